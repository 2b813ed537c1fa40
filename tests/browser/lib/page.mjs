// Opens a page for `mode` ({javaScriptEnabled}). JavaScript is switched off
// through the DevTools protocol before the first navigation (Playwright's
// javaScriptEnabled: false crashes Debian's Chromium once something sets a
// timer), so the document is parsed with scripting disabled. withTimers(fn)
// lifts the switch while fn runs (axe needs timers); scripts the parser
// skipped never run later.
export async function openPage(context, mode) {
  const page = await context.newPage();
  let devtools = null;
  if (!mode.javaScriptEnabled) {
    devtools = await context.newCDPSession(page);
    await devtools.send('Emulation.setScriptExecutionDisabled', { value: true });
  }
  const withTimers = async (fn) => {
    if (!devtools) return fn();
    await devtools.send('Emulation.setScriptExecutionDisabled', { value: false });
    try {
      return await fn();
    } finally {
      await devtools.send('Emulation.setScriptExecutionDisabled', { value: true });
    }
  };
  return { page, withTimers };
}
