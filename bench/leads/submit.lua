-- wrk script for bench/leads/run: POSTs valid JSON contact requests to
-- /api/v1/contact, each with its own e-mail address and its own pre-solved
-- proof-of-work challenge (a challenge is accepted once, and solving one per
-- request in Lua would measure Lua).
--
--   LEADS_CHALLENGES=FILE LEADS_THREADS=N wrk -tN -cC -dD -s bench/leads/submit.lua URL
--
-- FILE holds one `altcha` payload (base64) per line; thread k of N uses lines
-- k, k+N, k+2N, ... so no payload is sent twice. A thread that runs out sends
-- requests without one (the server refuses them with 422) and reports it:
-- the run is then invalid and needs more challenges.
--
-- At the end prints one machine-readable line:
--   leads: created=<201s> refused=<other statuses> exhausted=<requests without a payload>
--          p50_us=<median latency> p99_us=<99th percentile> duration_us=<run time>

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("LEADS_CHALLENGES") or error("set LEADS_CHALLENGES to the file of solved challenges")
  local stride = tonumber(os.getenv("LEADS_THREADS") or "1")
  pool = {}
  local line_number = 0
  for line in io.lines(file) do
    if line_number % stride == id - 1 then pool[#pool + 1] = line end
    line_number = line_number + 1
  end
  sent = 0
  created = 0
  refused = 0
  exhausted = 0
end

function request()
  sent = sent + 1
  local altcha = pool[sent]
  if altcha == nil then
    exhausted = exhausted + 1
    altcha = ""
  end
  local body = string.format(
    '{"name":"Bench Visitor","email":"bench-%d-%d@example.com",' ..
    '"message":"Benchmark lead %d from thread %d; please ignore.","consent":true,"altcha":"%s"}',
    id, sent, sent, id, altcha)
  return wrk.format("POST", "/api/v1/contact", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    refused = refused + 1
    if refused <= 3 then io.stderr:write("leads: status " .. status .. ": " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  local totals = { created = 0, refused = 0, exhausted = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + (thread:get(name) or 0) end
  end
  io.write(string.format("leads: created=%d refused=%d exhausted=%d p50_us=%d p99_us=%d duration_us=%d\n",
    totals.created, totals.refused, totals.exhausted, latency:percentile(50), latency:percentile(99),
    summary.duration))
end
