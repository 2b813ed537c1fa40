// The upload jobs besides the pipeline: the results e-mail and retention.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "datasets/blob_store.h"
#include "datasets/upload_repository.h"
#include "integrations/mailer.h"
#include "jobs/worker_pool.h"

namespace iv::store {
class SqlDatabase;
}
namespace iv::security {
class FieldCipher;
}
namespace iv::observe {
class Logger;
}

namespace iv::datasets {

using Now = std::function<std::chrono::system_clock::time_point()>;

struct UploadMailSettings {
  integrations::EmailAddress from{"IndiVillage", "no-reply@indivillage.com"};  // MAIL_FROM
  std::string site_url = "https://indivillage.com";                            // links in the mail
  std::string message_id_domain = "indivillage.com";
  std::chrono::seconds lease{120};  // JOB_LEASE_S
};

// The message with the results link. It goes to an address anyone could
// type, so it repeats nothing the visitor wrote except the (sanitized) file name.
integrations::EmailMessage results_message(const Upload& upload, const integrations::EmailAddress& to,
                                           const UploadMailSettings& settings);

// "upload.notify" ({"upload_id"}): sends results_message once. The job state
// records {"sent": true} as soon as the mailer accepted the message, so a
// retry after a later failure (recording the step) never sends it twice.
// Without SMTP_URL the job waits (visible in /metrics) and is sent later.
class NotifyJob final : public jobs::JobHandler {
 public:
  NotifyJob(store::SqlDatabase& database, UploadRepository& repository, const security::FieldCipher& cipher,
            integrations::Mailer& mailer, UploadMailSettings settings, Now now = {});
  jobs::JobResult run(const jobs::Job& job) override;
  std::chrono::seconds lease_duration() const override { return settings_.lease; }

 private:
  void record_sent(std::string_view id);

  store::SqlDatabase& database_;
  UploadRepository& repository_;
  const security::FieldCipher& cipher_;
  integrations::Mailer& mailer_;
  UploadMailSettings settings_;
  Now now_;
};

struct RetentionSettings {
  std::chrono::days uploads{30};    // UPLOAD_RETENTION_DAYS: the uploaded file
  std::chrono::days results{90};    // RESULT_RETENTION_DAYS: the analysis and the record
  int batch = 200;                  // uploads handled per query
  std::chrono::seconds lease{120};  // JOB_LEASE_S
};

// "upload.retention" (scheduled daily): removes uploaded files older than
// `uploads` (the record and its analysis stay), removes uploads older than
// `results` entirely, and discards abandoned unfinished uploads (past their
// expiry) with their partial files.
class RetentionJob final : public jobs::JobHandler {
 public:
  RetentionJob(RetentionSettings settings, store::SqlDatabase& database, UploadRepository& repository,
               BlobStore& blobs, observe::Logger& logger, Now now = {});
  jobs::JobResult run(const jobs::Job& job) override;
  std::chrono::seconds lease_duration() const override { return settings_.lease; }

 private:
  void remove_files(const std::string& key);

  RetentionSettings settings_;
  store::SqlDatabase& database_;
  UploadRepository& repository_;
  BlobStore& blobs_;
  observe::Logger& logger_;
  Now now_;
};

}  // namespace iv::datasets
