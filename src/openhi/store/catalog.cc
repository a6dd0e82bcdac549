#include "openhi/store/catalog.h"

#include <algorithm>

namespace openhi::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS datastores (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, kms_key_arn TEXT NOT NULL,
  lambda_arn TEXT NOT NULL, lossless_format TEXT NOT NULL, client_token TEXT,
  created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS datastores_token ON datastores(client_token);
CREATE TABLE IF NOT EXISTS tags (
  arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (arn, key));
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, datastore_id TEXT NOT NULL REFERENCES datastores(id), name TEXT NOT NULL,
  status TEXT NOT NULL, role_arn TEXT NOT NULL, client_token TEXT NOT NULL,
  input_uri TEXT NOT NULL, output_uri TEXT NOT NULL, owner_account TEXT NOT NULL,
  submitted_at REAL NOT NULL, ended_at REAL, message TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS jobs_by_datastore ON jobs(datastore_id, submitted_at);
CREATE TABLE IF NOT EXISTS image_sets (
  id TEXT PRIMARY KEY, datastore_id TEXT NOT NULL REFERENCES datastores(id),
  latest_version INTEGER NOT NULL, state TEXT NOT NULL, is_primary INTEGER NOT NULL,
  created_at REAL NOT NULL, updated_at REAL NOT NULL,
  patient_id TEXT, patient_name TEXT, patient_birth_date TEXT, patient_sex TEXT,
  study_uid TEXT, study_id TEXT, study_description TEXT, accession TEXT, study_date TEXT,
  study_time TEXT, study_date_time TEXT, series_uid TEXT, modality TEXT, body_part TEXT,
  series_number INTEGER, series_count INTEGER, instance_count INTEGER);
CREATE INDEX IF NOT EXISTS image_sets_series ON image_sets(datastore_id, study_uid, series_uid);
CREATE INDEX IF NOT EXISTS image_sets_updated ON image_sets(datastore_id, updated_at);
CREATE TABLE IF NOT EXISTS versions (
  image_set_id TEXT NOT NULL REFERENCES image_sets(id), version INTEGER NOT NULL,
  metadata_key TEXT NOT NULL, state TEXT NOT NULL, workflow TEXT NOT NULL,
  is_primary INTEGER NOT NULL, forced INTEGER NOT NULL, message TEXT NOT NULL,
  created_at REAL NOT NULL, updated_at REAL NOT NULL, deleted_at REAL,
  PRIMARY KEY (image_set_id, version));
CREATE TABLE IF NOT EXISTS frames (
  image_set_id TEXT NOT NULL REFERENCES image_sets(id), frame_id TEXT NOT NULL,
  blob_key TEXT NOT NULL, transfer_syntax TEXT NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY (image_set_id, frame_id));
CREATE INDEX IF NOT EXISTS frames_by_blob ON frames(blob_key);
)sql";

// Resets a cached statement when the lease ends, so it never holds a read snapshot open.
struct StatementLease {
  db::Statement* st;
  ~StatementLease() { st->Reset(); }
};

// Steps `q` to the end and maps every row with `read`.
template <typename F>
auto CollectRows(db::Statement& q, F read) -> Result<std::vector<decltype(read(q))>> {
  std::vector<decltype(read(q))> out;
  while (true) {
    OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(read(q));
  }
}

ahi::Datastore ReadDatastore(const db::Statement& q) {
  ahi::Datastore d;
  d.id = q.Text(0);
  d.name = q.Text(1);
  d.status = ahi::ParseDatastoreStatus(q.Text(2)).value_or(ahi::DatastoreStatus::kActive);
  d.kms_key_arn = q.Text(3);
  d.lambda_authorizer_arn = q.Text(4);
  d.lossless_format =
      ahi::ParseLosslessStorageFormat(q.Text(5)).value_or(ahi::LosslessStorageFormat::kHtj2k);
  d.created_at = q.Double(6);
  d.updated_at = q.Double(7);
  d.arn = ahi::DatastoreArn(d.id);
  return d;
}
constexpr const char* kDatastoreCols =
    "id, name, status, kms_key_arn, lambda_arn, lossless_format, created_at, updated_at";

ahi::ImportJob ReadJob(const db::Statement& q) {
  ahi::ImportJob j;
  j.id = q.Text(0);
  j.datastore_id = q.Text(1);
  j.name = q.Text(2);
  j.status = ahi::ParseJobStatus(q.Text(3)).value_or(ahi::JobStatus::kFailed);
  j.data_access_role_arn = q.Text(4);
  j.client_token = q.Text(5);
  j.input_uri = q.Text(6);
  j.output_uri = q.Text(7);
  j.input_owner_account_id = q.Text(8);
  j.submitted_at = q.Double(9);
  if (!q.IsNull(10)) j.ended_at = q.Double(10);
  j.message = q.Text(11);
  return j;
}
constexpr const char* kJobCols =
    "id, datastore_id, name, status, role_arn, client_token, input_uri, output_uri, "
    "owner_account, submitted_at, ended_at, message";

ahi::ImageSetVersion ReadVersion(const db::Statement& q) {
  // columns: image_set_id, datastore_id, version, state, workflow, is_primary, forced, message,
  //          created_at, updated_at, deleted_at
  ahi::ImageSetVersion v;
  v.image_set_id = q.Text(0);
  v.datastore_id = q.Text(1);
  v.version = q.Int(2);
  v.state = ahi::ParseImageSetState(q.Text(3)).value_or(ahi::ImageSetState::kActive);
  v.workflow = ahi::ParseImageSetWorkflowStatus(q.Text(4))
                   .value_or(ahi::ImageSetWorkflowStatus::kImported);
  v.is_primary = q.Int(5) != 0;
  v.forced = q.Int(6) != 0;
  v.message = q.Text(7);
  v.created_at = q.Double(8);
  v.updated_at = q.Double(9);
  if (!q.IsNull(10)) v.deleted_at = q.Double(10);
  v.arn = ahi::ImageSetArn(v.datastore_id, v.image_set_id);
  return v;
}
constexpr const char* kVersionSelect =
    "SELECT v.image_set_id, s.datastore_id, v.version, v.state, v.workflow, v.is_primary, "
    "v.forced, v.message, s.created_at, v.updated_at, v.deleted_at "
    "FROM versions v JOIN image_sets s ON s.id = v.image_set_id ";

}  // namespace

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::filesystem::path& file) {
  OPENHI_ASSIGN_OR_RETURN(auto db, db::Database::Open(file));
  std::unique_ptr<Catalog> c(new Catalog(std::move(db)));
  OPENHI_RETURN_IF_ERROR(c->Migrate());
  return c;
}

Status Catalog::Migrate() {
  std::lock_guard lock(mu_);
  return db_->Exec(kSchema);
}

Status Catalog::InsertDatastore(const ahi::Datastore& d, const std::string& client_token) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("INSERT INTO datastores (" +
                                               std::string(kDatastoreCols) +
                                               ", client_token) VALUES (?,?,?,?,?,?,?,?,?)"));
  q.Bind(1, d.id).Bind(2, d.name).Bind(3, ahi::ToString(d.status)).Bind(4, d.kms_key_arn);
  q.Bind(5, d.lambda_authorizer_arn).Bind(6, ahi::ToString(d.lossless_format));
  q.Bind(7, d.created_at).Bind(8, d.updated_at).Bind(9, client_token);
  return q.Run();
}

Result<ahi::Datastore> Catalog::GetDatastore(const std::string& id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT " + std::string(kDatastoreCols) +
                                               " FROM datastores WHERE id = ?"));
  q.Bind(1, id);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("datastore " + id + " not found");
  return ReadDatastore(q);
}

Result<std::optional<ahi::Datastore>> Catalog::FindDatastoreByClientToken(
    const std::string& token) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT " + std::string(kDatastoreCols) +
                                               " FROM datastores WHERE client_token = ?"));
  q.Bind(1, token);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<ahi::Datastore>();
  return std::optional<ahi::Datastore>(ReadDatastore(q));
}

Result<std::vector<ahi::Datastore>> Catalog::ListDatastores() {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT " + std::string(kDatastoreCols) +
                                               " FROM datastores ORDER BY created_at, id"));
  return CollectRows(q, ReadDatastore);
}

Status Catalog::SetDatastoreStatus(const std::string& id, ahi::DatastoreStatus s, double now) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(
      auto q, db_->Prepare("UPDATE datastores SET status = ?, updated_at = ? WHERE id = ?"));
  q.Bind(1, ahi::ToString(s)).Bind(2, now).Bind(3, id);
  return q.Run();
}

Result<int64_t> Catalog::CountLiveImageSets(const std::string& datastore_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(
      auto q, db_->Prepare(
                  "SELECT COUNT(*) FROM image_sets WHERE datastore_id = ? AND state != 'DELETED'"));
  q.Bind(1, datastore_id);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

Status Catalog::PutTags(const std::string& arn, const ahi::Tags& tags) {
  std::lock_guard lock(mu_);
  db::Transaction tx(*db_);
  OPENHI_RETURN_IF_ERROR(tx.begin_status());
  OPENHI_ASSIGN_OR_RETURN(
      auto q, db_->Prepare("INSERT OR REPLACE INTO tags (arn, key, value) VALUES (?,?,?)"));
  for (const auto& [k, v] : tags) {
    q.Reset();
    q.Bind(1, arn).Bind(2, k).Bind(3, v);
    OPENHI_RETURN_IF_ERROR(q.Run());
  }
  return tx.Commit();
}

Status Catalog::RemoveTags(const std::string& arn, const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  db::Transaction tx(*db_);
  OPENHI_RETURN_IF_ERROR(tx.begin_status());
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("DELETE FROM tags WHERE arn = ? AND key = ?"));
  for (const auto& k : keys) {
    q.Reset();
    q.Bind(1, arn).Bind(2, k);
    OPENHI_RETURN_IF_ERROR(q.Run());
  }
  return tx.Commit();
}

Result<ahi::Tags> Catalog::GetTags(const std::string& arn) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT key, value FROM tags WHERE arn = ?"));
  q.Bind(1, arn);
  ahi::Tags out;
  while (true) {
    OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out[q.Text(0)] = q.Text(1);
  }
  return out;
}

Status Catalog::InsertJob(const ahi::ImportJob& j) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("INSERT INTO jobs (" + std::string(kJobCols) +
                                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
  q.Bind(1, j.id).Bind(2, j.datastore_id).Bind(3, j.name).Bind(4, ahi::ToString(j.status));
  q.Bind(5, j.data_access_role_arn).Bind(6, j.client_token).Bind(7, j.input_uri);
  q.Bind(8, j.output_uri).Bind(9, j.input_owner_account_id).Bind(10, j.submitted_at);
  if (j.ended_at) q.Bind(11, *j.ended_at); else q.BindNull(11);
  q.Bind(12, j.message);
  return q.Run();
}

Result<ahi::ImportJob> Catalog::GetJob(const std::string& datastore_id,
                                       const std::string& job_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q,
                          db_->Prepare("SELECT " + std::string(kJobCols) +
                                       " FROM jobs WHERE id = ? AND datastore_id = ?"));
  q.Bind(1, job_id).Bind(2, datastore_id);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("import job " + job_id + " not found");
  return ReadJob(q);
}

Result<std::optional<ahi::ImportJob>> Catalog::FindJobByClientToken(
    const std::string& datastore_id, const std::string& token) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT " + std::string(kJobCols) +
                                               " FROM jobs WHERE datastore_id = ? AND "
                                               "client_token = ?"));
  q.Bind(1, datastore_id).Bind(2, token);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<ahi::ImportJob>();
  return std::optional<ahi::ImportJob>(ReadJob(q));
}

Result<std::vector<ahi::ImportJob>> Catalog::ListJobs(const std::string& datastore_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT " + std::string(kJobCols) +
                                               " FROM jobs WHERE datastore_id = ? "
                                               "ORDER BY submitted_at DESC, id"));
  q.Bind(1, datastore_id);
  return CollectRows(q, ReadJob);
}

Result<std::vector<ahi::ImportJob>> Catalog::UnfinishedJobs() {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT " + std::string(kJobCols) +
                                               " FROM jobs WHERE status IN "
                                               "('SUBMITTED','IN_PROGRESS') ORDER BY submitted_at"));
  return CollectRows(q, ReadJob);
}

Status Catalog::UpdateJobStatus(const std::string& job_id, ahi::JobStatus s,
                                const std::string& message, std::optional<double> ended_at) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(
      auto q, db_->Prepare("UPDATE jobs SET status = ?, message = ?, ended_at = ? WHERE id = ?"));
  q.Bind(1, ahi::ToString(s)).Bind(2, message);
  if (ended_at) q.Bind(3, *ended_at); else q.BindNull(3);
  q.Bind(4, job_id);
  return q.Run();
}

Result<ahi::ImageSetVersion> Catalog::GetImageSet(const std::string& datastore_id,
                                                  const std::string& image_set_id,
                                                  std::optional<int64_t> version) {
  std::lock_guard lock(mu_);
  std::string sql = std::string(kVersionSelect) +
                    "WHERE v.image_set_id = ? AND s.datastore_id = ? AND v.version = " +
                    (version ? "?" : "s.latest_version");
  OPENHI_ASSIGN_OR_RETURN(db::Statement * q, Cached(sql));
  StatementLease lease{q};
  q->Bind(1, image_set_id).Bind(2, datastore_id);
  if (version) q->Bind(3, *version);
  OPENHI_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) {
    return NotFound("image set " + image_set_id +
                    (version ? " version " + std::to_string(*version) : std::string()) +
                    " not found");
  }
  return ReadVersion(*q);
}

Result<std::string> Catalog::GetMetadataKey(const std::string& image_set_id, int64_t version) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(
      db::Statement * q,
      Cached("SELECT metadata_key FROM versions WHERE image_set_id = ? AND version = ?"));
  StatementLease lease{q};
  q->Bind(1, image_set_id).Bind(2, version);
  OPENHI_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return NotFound("image set version not found");
  return q->Text(0);
}

Result<std::vector<ahi::ImageSetVersion>> Catalog::ListVersions(const std::string& image_set_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(
      auto q, db_->Prepare(std::string(kVersionSelect) +
                           "WHERE v.image_set_id = ? ORDER BY v.version DESC"));
  q.Bind(1, image_set_id);
  return CollectRows(q, ReadVersion);
}

Result<std::optional<std::string>> Catalog::FindPrimary(const std::string& datastore_id,
                                                        const std::string& study_uid,
                                                        const std::string& series_uid) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(
      auto q, db_->Prepare("SELECT id FROM image_sets WHERE datastore_id = ? AND study_uid = ? "
                           "AND series_uid = ? AND is_primary = 1 AND state != 'DELETED' "
                           "ORDER BY created_at LIMIT 1"));
  q.Bind(1, datastore_id).Bind(2, study_uid).Bind(3, series_uid);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.Text(0));
}

namespace {
constexpr const char* kKeyCols =
    "patient_id, patient_name, patient_birth_date, patient_sex, study_uid, study_id, "
    "study_description, accession, study_date, study_time, series_uid, modality, body_part, "
    "series_number, series_count, instance_count, study_date_time";

ImageSetKeys ReadKeys(const db::Statement& q, int c) {
  ImageSetKeys k;
  auto& t = k.tags;
  t.patient_id = q.Text(c + 0);
  t.patient_name = q.Text(c + 1);
  t.patient_birth_date = q.Text(c + 2);
  t.patient_sex = q.Text(c + 3);
  t.study_instance_uid = q.Text(c + 4);
  t.study_id = q.Text(c + 5);
  t.study_description = q.Text(c + 6);
  t.accession_number = q.Text(c + 7);
  t.study_date = q.Text(c + 8);
  t.study_time = q.Text(c + 9);
  t.series_instance_uid = q.Text(c + 10);
  t.series_modality = q.Text(c + 11);
  t.series_body_part = q.Text(c + 12);
  if (!q.IsNull(c + 13)) t.series_number = q.Int(c + 13);
  t.number_of_study_related_series = q.Int(c + 14);
  t.number_of_study_related_instances = q.Int(c + 15);
  k.study_date_time = q.Text(c + 16);
  return k;
}

void BindKeys(db::Statement& q, int c, const ImageSetKeys& k) {
  const auto& t = k.tags;
  q.Bind(c + 0, t.patient_id).Bind(c + 1, t.patient_name).Bind(c + 2, t.patient_birth_date);
  q.Bind(c + 3, t.patient_sex).Bind(c + 4, t.study_instance_uid).Bind(c + 5, t.study_id);
  q.Bind(c + 6, t.study_description).Bind(c + 7, t.accession_number).Bind(c + 8, t.study_date);
  q.Bind(c + 9, t.study_time).Bind(c + 10, t.series_instance_uid).Bind(c + 11, t.series_modality);
  q.Bind(c + 12, t.series_body_part);
  if (t.series_number) q.Bind(c + 13, *t.series_number); else q.BindNull(c + 13);
  q.Bind(c + 14, t.number_of_study_related_series);
  q.Bind(c + 15, t.number_of_study_related_instances);
  q.Bind(c + 16, k.study_date_time);
}
}  // namespace

Result<ImageSetKeys> Catalog::GetKeys(const std::string& image_set_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT " + std::string(kKeyCols) +
                                               " FROM image_sets WHERE id = ?"));
  q.Bind(1, image_set_id);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("image set " + image_set_id + " not found");
  return ReadKeys(q, 0);
}

Result<db::Statement*> Catalog::Cached(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    OPENHI_ASSIGN_OR_RETURN(db::Statement st, db_->Prepare(sql));
    it = statements_.emplace(sql, std::move(st)).first;
  }
  it->second.Reset();
  return &it->second;
}

Result<FrameRow> Catalog::GetLiveFrame(const std::string& datastore_id,
                                       const std::string& image_set_id,
                                       const std::string& frame_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(
      db::Statement * q,
      Cached("SELECT f.frame_id, f.blob_key, f.transfer_syntax, f.size FROM frames f "
             "JOIN image_sets s ON s.id = f.image_set_id WHERE f.image_set_id = ? AND "
             "f.frame_id = ? AND s.datastore_id = ? AND s.state != 'DELETED'"));
  StatementLease lease{q};
  q->Bind(1, image_set_id).Bind(2, frame_id).Bind(3, datastore_id);
  OPENHI_ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row) return NotFound("image frame " + frame_id + " not found");
  return FrameRow{q->Text(0), q->Text(1), q->Text(2), static_cast<uint64_t>(q->Int(3))};
}

Result<FrameRow> Catalog::GetFrame(const std::string& image_set_id, const std::string& frame_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT frame_id, blob_key, transfer_syntax, size "
                                               "FROM frames WHERE image_set_id = ? AND "
                                               "frame_id = ?"));
  q.Bind(1, image_set_id).Bind(2, frame_id);
  OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NotFound("image frame " + frame_id + " not found");
  return FrameRow{q.Text(0), q.Text(1), q.Text(2), static_cast<uint64_t>(q.Int(3))};
}

Result<std::vector<FrameRow>> Catalog::ListFrames(const std::string& image_set_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT frame_id, blob_key, transfer_syntax, size "
                                               "FROM frames WHERE image_set_id = ?"));
  q.Bind(1, image_set_id);
  return CollectRows(q, [](const db::Statement& r) -> FrameRow {
    return {r.Text(0), r.Text(1), r.Text(2), static_cast<uint64_t>(r.Int(3))};
  });
}

Status Catalog::Publish(const std::vector<VersionWrite>& writes,
                        const std::optional<JobCompletion>& job) {
  std::lock_guard lock(mu_);
  db::Transaction tx(*db_);
  OPENHI_RETURN_IF_ERROR(tx.begin_status());
  OPENHI_ASSIGN_OR_RETURN(
      auto ins_set, db_->Prepare("INSERT INTO image_sets (id, datastore_id, latest_version, state, "
                                 "is_primary, created_at, updated_at, " +
                                 std::string(kKeyCols) +
                                 ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  OPENHI_ASSIGN_OR_RETURN(
      auto upd_set,
      db_->Prepare("UPDATE image_sets SET latest_version = ?, state = ?, is_primary = ?, "
                   "updated_at = ?, patient_id=?, patient_name=?, patient_birth_date=?, "
                   "patient_sex=?, study_uid=?, study_id=?, study_description=?, accession=?, "
                   "study_date=?, study_time=?, series_uid=?, modality=?, body_part=?, "
                   "series_number=?, series_count=?, instance_count=?, study_date_time=? "
                   "WHERE id = ? AND latest_version = ?"));
  OPENHI_ASSIGN_OR_RETURN(
      auto ins_ver, db_->Prepare("INSERT INTO versions (image_set_id, version, metadata_key, state, "
                                 "workflow, is_primary, forced, message, created_at, updated_at) "
                                 "VALUES (?,?,?,?,?,?,?,?,?,?)"));
  OPENHI_ASSIGN_OR_RETURN(
      auto ins_frame, db_->Prepare("INSERT OR REPLACE INTO frames (image_set_id, frame_id, "
                                   "blob_key, transfer_syntax, size) VALUES (?,?,?,?,?)"));
  for (const VersionWrite& w : writes) {
    const ahi::ImageSetVersion& v = w.version;
    if (w.create_image_set) {
      ins_set.Reset();
      ins_set.Bind(1, v.image_set_id).Bind(2, v.datastore_id).Bind(3, v.version);
      ins_set.Bind(4, ahi::ToString(v.state)).Bind(5, v.is_primary).Bind(6, v.created_at);
      ins_set.Bind(7, v.updated_at);
      BindKeys(ins_set, 8, w.keys);
      OPENHI_RETURN_IF_ERROR(ins_set.Run());
    } else {
      upd_set.Reset();
      upd_set.Bind(1, v.version).Bind(2, ahi::ToString(v.state)).Bind(3, v.is_primary);
      upd_set.Bind(4, v.updated_at);
      BindKeys(upd_set, 5, w.keys);
      upd_set.Bind(22, v.image_set_id).Bind(23, v.version - 1);
      OPENHI_RETURN_IF_ERROR(upd_set.Run());
      if (db_->Changes() != 1) {
        return Aborted("image set " + v.image_set_id + " was changed concurrently");
      }
    }
    ins_ver.Reset();
    ins_ver.Bind(1, v.image_set_id).Bind(2, v.version).Bind(3, w.metadata_key);
    ins_ver.Bind(4, ahi::ToString(v.state)).Bind(5, ahi::ToString(v.workflow));
    ins_ver.Bind(6, v.is_primary).Bind(7, v.forced).Bind(8, v.message);
    ins_ver.Bind(9, v.created_at).Bind(10, v.updated_at);
    OPENHI_RETURN_IF_ERROR(ins_ver.Run());
    for (const FrameRow& f : w.new_frames) {
      ins_frame.Reset();
      ins_frame.Bind(1, v.image_set_id).Bind(2, f.frame_id).Bind(3, f.blob_key);
      ins_frame.Bind(4, f.transfer_syntax).Bind(5, static_cast<int64_t>(f.size));
      OPENHI_RETURN_IF_ERROR(ins_frame.Run());
    }
  }
  if (job) {
    OPENHI_ASSIGN_OR_RETURN(
        auto q, db_->Prepare("UPDATE jobs SET status = ?, message = ?, ended_at = ? WHERE id = ?"));
    q.Bind(1, ahi::ToString(job->status)).Bind(2, job->message).Bind(3, job->ended_at);
    q.Bind(4, job->job_id);
    OPENHI_RETURN_IF_ERROR(q.Run());
  }
  return tx.Commit();
}

Result<std::vector<std::string>> Catalog::DeleteImageSet(const std::string& image_set_id,
                                                         double now) {
  std::lock_guard lock(mu_);
  db::Transaction tx(*db_);
  OPENHI_RETURN_IF_ERROR(tx.begin_status());
  std::vector<std::string> blobs;
  {
    OPENHI_ASSIGN_OR_RETURN(auto q,
                            db_->Prepare("SELECT blob_key FROM frames WHERE image_set_id = ?"));
    q.Bind(1, image_set_id);
    while (true) {
      OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      blobs.push_back(q.Text(0));
    }
  }
  {
    OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("DELETE FROM frames WHERE image_set_id = ?"));
    q.Bind(1, image_set_id);
    OPENHI_RETURN_IF_ERROR(q.Run());
  }
  {
    OPENHI_ASSIGN_OR_RETURN(
        auto q, db_->Prepare("UPDATE image_sets SET state = 'DELETED', updated_at = ? WHERE id = ?"));
    q.Bind(1, now).Bind(2, image_set_id);
    OPENHI_RETURN_IF_ERROR(q.Run());
  }
  {
    OPENHI_ASSIGN_OR_RETURN(
        auto q, db_->Prepare("UPDATE versions SET state = 'DELETED', workflow = 'DELETED', "
                             "updated_at = ?, deleted_at = ? WHERE image_set_id = ? AND version = "
                             "(SELECT latest_version FROM image_sets WHERE id = ?)"));
    q.Bind(1, now).Bind(2, now).Bind(3, image_set_id).Bind(4, image_set_id);
    OPENHI_RETURN_IF_ERROR(q.Run());
  }
  // Keep only blobs that no other image set still references (copies share frame blobs).
  std::vector<std::string> orphans;
  OPENHI_ASSIGN_OR_RETURN(auto still, db_->Prepare("SELECT 1 FROM frames WHERE blob_key = ? LIMIT 1"));
  for (const auto& b : blobs) {
    still.Reset();
    still.Bind(1, b);
    OPENHI_ASSIGN_OR_RETURN(bool used, still.Step());
    if (!used) orphans.push_back(b);
  }
  OPENHI_RETURN_IF_ERROR(tx.Commit());
  return orphans;
}

Result<std::vector<ahi::ImageSetSummary>> Catalog::Search(const std::string& datastore_id,
                                                          const ahi::SearchCriteria& c) {
  std::lock_guard lock(mu_);
  std::string sql = "SELECT id, latest_version, created_at, updated_at, is_primary, " +
                    std::string(kKeyCols) +
                    " FROM image_sets WHERE datastore_id = ? AND state != 'DELETED'";
  auto column = [](ahi::SearchField f) -> const char* {
    switch (f) {
      case ahi::SearchField::kPatientId: return "patient_id";
      case ahi::SearchField::kAccessionNumber: return "accession";
      case ahi::SearchField::kStudyId: return "study_id";
      case ahi::SearchField::kStudyInstanceUid: return "study_uid";
      case ahi::SearchField::kSeriesInstanceUid: return "series_uid";
      case ahi::SearchField::kCreatedAt: return "created_at";
      case ahi::SearchField::kUpdatedAt: return "updated_at";
      case ahi::SearchField::kStudyDateAndTime: return "study_date_time";
      case ahi::SearchField::kIsPrimary: return "is_primary";
    }
    return "updated_at";
  };
  for (const auto& f : c.filters) {
    sql += std::string(" AND ") + column(f.values[0].field) + (f.between ? " BETWEEN ? AND ?" : " = ?");
  }
  sql += std::string(" ORDER BY ") + column(c.sort_field) + (c.sort_ascending ? " ASC" : " DESC") +
         ", id";
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare(sql));
  int p = 1;
  q.Bind(p++, datastore_id);
  for (const auto& f : c.filters) {
    for (const auto& v : f.values) {
      switch (v.field) {
        case ahi::SearchField::kCreatedAt:
        case ahi::SearchField::kUpdatedAt: q.Bind(p++, v.number); break;
        case ahi::SearchField::kIsPrimary: q.Bind(p++, v.flag); break;
        default: q.Bind(p++, v.text);
      }
    }
  }
  std::vector<ahi::ImageSetSummary> out;
  while (true) {
    OPENHI_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ahi::ImageSetSummary s;
    s.image_set_id = q.Text(0);
    s.version = q.Int(1);
    s.created_at = q.Double(2);
    s.updated_at = q.Double(3);
    s.is_primary = q.Int(4) != 0;
    s.tags = ReadKeys(q, 5).tags;
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<std::string>> Catalog::AllReferencedBlobKeys() {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT blob_key FROM frames UNION "
                                               "SELECT metadata_key FROM versions"));
  return CollectRows(q, [](const db::Statement& r) -> std::string {
    return r.Text(0);
  });
}

}  // namespace openhi::store
