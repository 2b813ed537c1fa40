#include "datasets/upload_jobs.h"

#include <boost/json.hpp>

#include "datasets/upload_service.h"
#include "observe/log.h"
#include "security/field_cipher.h"
#include "store/sql.h"

namespace iv::datasets {
namespace {

namespace json = boost::json;

Now or_system_clock(Now now) {
  return now ? std::move(now) : Now([] { return std::chrono::system_clock::now(); });
}

std::optional<std::string> upload_id_of(std::string_view payload) {
  boost::system::error_code error;
  const json::value value = json::parse(payload, error);
  if (error || !value.is_object()) return std::nullopt;
  const auto* id = value.get_object().if_contains("upload_id");
  if (!id || !id->is_string()) return std::nullopt;
  return std::string(id->get_string());
}

bool state_says_sent(std::string_view state) {
  boost::system::error_code error;
  const json::value value = json::parse(state, error);
  if (error || !value.is_object()) return false;
  const auto* sent = value.get_object().if_contains("sent");
  return sent && sent->is_bool() && sent->get_bool();
}

}  // namespace

integrations::EmailMessage results_message(const Upload& upload, const integrations::EmailAddress& to,
                                           const UploadMailSettings& settings) {
  const std::string link = settings.site_url + "/uploads/" + upload.id;
  integrations::EmailMessage message;
  message.from = settings.from;
  message.to = {to};
  message.subject = "Your dataset profile is ready";
  message.text_body =
      "Hello,\r\n\r\nThe profile of " + upload.file_name +
      " is ready: its structure, quality, statistics and where personal data hides.\r\n\r\n" + link +
      "\r\n\r\nAnyone with this link can see the results, so share it with care. The uploaded "
      "file is deleted after 30 days and the results after 90 days; you can delete both "
      "sooner from the results page.\r\n\r\nIndiVillage\r\n";
  message.message_id = "<upload-" + upload.id + "-results@" + settings.message_id_domain + ">";
  return message;
}

NotifyJob::NotifyJob(store::SqlDatabase& database, UploadRepository& repository,
                     const security::FieldCipher& cipher, integrations::Mailer& mailer,
                     UploadMailSettings settings, Now now)
    : database_(database),
      repository_(repository),
      cipher_(cipher),
      mailer_(mailer),
      settings_(std::move(settings)),
      now_(or_system_clock(std::move(now))) {}

jobs::JobResult NotifyJob::run(const jobs::Job& job) {
  const auto id = upload_id_of(job.payload_json);
  if (!id) return jobs::Fail{"payload without upload_id"};
  auto record = repository_.find(*id);
  if (!record || record->sealed_email.empty()) return jobs::Done{R"({"skipped":"no upload or no address"})"};
  const std::string sent_state = R"({"sent":true})";
  if (!state_says_sent(job.state_json)) {
    if (!mailer_.configured())
      return jobs::Wait{"SMTP is not configured (SMTP_URL)", std::chrono::seconds(300)};
    const auto address = cipher_.open(record->sealed_email);
    if (!address) return jobs::Fail{"the e-mail address cannot be decrypted (SECRET_KEY changed?)"};
    const auto sent = mailer_.send(results_message(record->upload, {"", *address}, settings_));
    if (!sent) {
      if (sent.error().transient) return jobs::Retry{sent.error().message, job.state_json, std::nullopt};
      return jobs::Fail{sent.error().message};
    }
  }
  try {
    record_sent(*id);
  } catch (const std::exception& e) {
    return jobs::Retry{e.what(), sent_state, std::nullopt};  // sent: a retry only records it
  }
  return jobs::Done{sent_state};
}

void NotifyJob::record_sent(std::string_view id) {
  auto lease = database_.lease();
  store::in_transaction(*lease, [&] {
    auto record = repository_.find(*lease, id);
    if (!record) return;
    const std::int64_t now = to_ms(now_());
    for (auto& step : record->upload.steps) {
      if (step.name != kStepNotify) continue;
      step.status = StepStatus::done;
      step.finished_at_ms = now;
      step.detail = "The results link was sent by e-mail.";
    }
    record->upload.updated_at_ms = now;
    repository_.update(*lease, *record);
  });
}

RetentionJob::RetentionJob(RetentionSettings settings, store::SqlDatabase& database,
                           UploadRepository& repository, BlobStore& blobs, observe::Logger& logger, Now now)
    : settings_(settings),
      database_(database),
      repository_(repository),
      blobs_(blobs),
      logger_(logger),
      now_(or_system_clock(std::move(now))) {}

void RetentionJob::remove_files(const std::string& key) {
  for (const auto area : {BlobArea::uploads, BlobArea::quarantine, BlobArea::results}) {
    if (auto removed = blobs_.remove(area, key); !removed) throw std::runtime_error(removed.error().message);
  }
}

jobs::JobResult RetentionJob::run(const jobs::Job&) {
  const auto now = now_();
  const std::int64_t now_ms = to_ms(now);
  std::int64_t files = 0, uploads = 0, abandoned = 0;

  // Whole uploads past the results period (their files first, then the row).
  for (;;) {
    const auto ids = repository_.ids_created_before(to_ms(now - settings_.results), settings_.batch);
    for (const auto& id : ids) {
      if (auto record = repository_.find(id)) remove_files(record->blob_key);
      auto lease = database_.lease();
      store::in_transaction(*lease, [&] { repository_.remove(*lease, id); });
      ++uploads;
    }
    if (static_cast<int>(ids.size()) < settings_.batch) break;
  }
  // Files past the upload period; the record and the analysis stay.
  for (;;) {
    auto records = repository_.with_files_created_before(to_ms(now - settings_.uploads), settings_.batch);
    for (auto& record : records) {
      remove_files(record.blob_key);
      record.file_purged_at_ms = now_ms;
      auto lease = database_.lease();
      store::in_transaction(*lease, [&] { repository_.update(*lease, record); });
      ++files;
    }
    if (static_cast<int>(records.size()) < settings_.batch) break;
  }
  // Unfinished uploads past their expiry.
  for (;;) {
    auto records = repository_.abandoned(now_ms, settings_.batch);
    for (auto& record : records) {
      remove_files(record.blob_key);
      record.upload.status = UploadStatus::failed;
      record.upload.reason =
          "The upload was not finished in time, so it was discarded. Please upload the file again.";
      record.upload.updated_at_ms = now_ms;
      record.completed_at_ms = now_ms;
      record.file_purged_at_ms = now_ms;
      auto lease = database_.lease();
      store::in_transaction(*lease, [&] { repository_.update(*lease, record); });
      ++abandoned;
    }
    if (static_cast<int>(records.size()) < settings_.batch) break;
  }
  logger_.info("upload retention",
               {{"uploads_deleted", uploads}, {"files_deleted", files}, {"abandoned", abandoned}});
  return jobs::Done{json::serialize(
      json::object{{"uploads_deleted", uploads}, {"files_deleted", files}, {"abandoned", abandoned}})};
}

}  // namespace iv::datasets
