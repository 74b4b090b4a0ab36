//! The job store on PostgreSQL, one table (`jobs`, schema/v1_jobs.sql) shared by every daemon
//! of a database.
//!
//! - Claims are `SELECT … FOR UPDATE SKIP LOCKED`: a Running job whose lease ran out first (its
//!   daemon died), then the highest priority, oldest submit; the claimed row becomes Running,
//!   leased to the claimer, in the same transaction as the batch that asked (`apply_checked`).
//! - Every write of a record bumps its `revision`; a change is applied only over the revision
//!   it was decided on, so two daemons never overwrite each other's change blindly: the loser
//!   is told (`Applied::conflicts`), reads the job again and decides again.
//! - A daemon asks another to pause or cancel the job it runs through `requested`, a column the
//!   running daemon does not overwrite: reads fold it into the record's flags.
//! - Every transaction that changes jobs sends `pg_notify('dicomq_jobs', "<token> <id>…")`; each
//!   daemon LISTENs on a connection of its own (`subscribe`) and reads the changed jobs again.
//!   While that connection is down, it reads everything again every second.
//! - Every batch commits synchronously, `Durability::Checkpoint` ones too (see `batch`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use deadpool_postgres::Client;
use futures_util::future::try_join_all;
use tokio_postgres::{AsyncMessage, Row};

use super::database::PgDatabase;
use super::pipelined::{Failure, Pipelined};
use crate::error::{Error, Result};
use crate::jobs::model::{JobRecord, now_us};
use crate::jobs::state::{Event, Flags, JobState, advance};
use crate::persist::job_store::{
    Applied, Change, Durability, JobStore, Lease, NewsSink, StoreNews, priority_key,
};

/// The notification channel.
const CHANNEL: &str = "dicomq_jobs";
/// A notification's payload stays under PostgreSQL's 8000 bytes.
const PAYLOAD_MAX: usize = 7000;
/// How often a daemon whose listener is down reads every job again (and tries to reconnect).
const POLL: Duration = Duration::from_secs(1);
/// Attempts of a batch that failed before its commit for a reason worth a retry.
const ATTEMPTS: usize = 3;

const SELECT: &str = "SELECT record, requested FROM jobs";
/// A claimed row becomes Running, leased (`take`).
const TAKE: &str = "UPDATE jobs SET record = $2, state = $3, revision = $4, requested = 0, \
    lease_owner = $5, lease_until = clock_timestamp() + $6::bigint * interval '1 microsecond' \
    WHERE id = $1";
const NOTIFY: &str = "SELECT pg_notify($1, $2)";

pub struct PgJobStore {
    db: Arc<PgDatabase>,
    /// This process in notifications: its own changes are not news to it.
    token: String,
    /// Set when the store is dropped: the listener thread ends.
    stop: Arc<AtomicBool>,
    /// Test hook: batches of at least this many changes fail after their writes (0: none).
    #[cfg(test)]
    fail_at_least: std::sync::atomic::AtomicUsize,
    /// Test hook: this many next batches with changes commit, then report a failure (as a
    /// commit whose answer was lost and whose outcome could not be learnt).
    #[cfg(test)]
    lose_answers: std::sync::atomic::AtomicUsize,
}

impl PgJobStore {
    pub fn new(db: Arc<PgDatabase>) -> Self {
        PgJobStore {
            db,
            token: uuid::Uuid::new_v4().simple().to_string(),
            stop: Arc::new(AtomicBool::new(false)),
            #[cfg(test)]
            fail_at_least: std::sync::atomic::AtomicUsize::new(0),
            #[cfg(test)]
            lose_answers: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Makes batches of at least `n` changes fail after their writes (tests).
    #[cfg(test)]
    pub(crate) fn fail_batches(&self, n: Option<usize>) {
        self.fail_at_least.store(n.unwrap_or(0), Ordering::SeqCst);
    }

    /// Makes the next `n` batches with changes commit and then report a failure (tests).
    #[cfg(test)]
    pub(crate) fn lose_answers(&self, n: usize) {
        self.lose_answers.store(n, Ordering::SeqCst);
    }

    fn failure(&self, e: tokio_postgres::Error) -> Failure {
        Failure::pg(&self.db, &e)
    }

    /// Runs `attempt` on a pooled connection, again (up to `ATTEMPTS`) when it failed before
    /// its commit for a reason worth a retry (a lost connection, a deadlock).
    fn with_retries<T, F, Fut>(&self, attempt: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, Failure>>,
    {
        self.db.block_on(async {
            let mut tried = 0;
            loop {
                tried += 1;
                match attempt().await {
                    Ok(t) => return Ok(t),
                    Err(f) if f.retry && tried < ATTEMPTS => {
                        tracing::debug!("job store: {} (trying again)", f.error);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(f) => return Err(f.error),
                }
            }
        })
    }

    async fn read(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        let client = self.db.client().await?;
        let stmt = client
            .prepare_cached(sql)
            .await
            .map_err(|e| self.db.error(&e))?;
        client
            .query(&stmt, params)
            .await
            .map_err(|e| self.db.error(&e))
    }

    async fn ids(&self, sql: &str) -> Result<Vec<String>> {
        Ok(self
            .read(sql, &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// One batch: the changes, then the claims, one transaction, one notification per
    /// `PAYLOAD_MAX` bytes of changed IDs, in two round trips whatever the batch (pipelined,
    /// `Pipelined`): BEGIN, the writes (the new jobs in one statement) and the claims'
    /// selects; then the claimed rows' updates, the notification and COMMIT. The server runs
    /// them in the order sent.
    async fn batch(
        &self,
        changes: &[Change<'_>],
        leases: &[Lease],
    ) -> std::result::Result<Applied, Failure> {
        let cols = changes
            .iter()
            .map(|change| match change {
                Change::Put { new, .. } => Columns::of(new).map(Some),
                Change::Delete(_) => Ok(None),
            })
            .collect::<Result<Vec<_>>>()
            .map_err(Failure::plain)?;
        let conn = Pipelined::connect(&self.db).await?;
        let c = conn.client();
        // Every batch commits synchronously, progress checkpoints too: an asynchronous commit
        // that a PostgreSQL crash loses leaves this daemon's view ahead of the table (a change
        // it folded in as done is gone).
        // New jobs: one statement for all (a burst of submits shares a commit).
        let new: Vec<(&str, &Columns)> = changes
            .iter()
            .zip(&cols)
            .filter_map(|(change, cols)| match (change, cols) {
                (Change::Put { old: None, new }, Some(cols)) => Some((new.id.as_str(), cols)),
                _ => None,
            })
            .collect();
        let updates = changes
            .iter()
            .zip(&cols)
            .filter(|(change, _)| !matches!(change, Change::Put { old: None, .. }));
        let writes = try_join_all(updates.map(|(change, cols)| async move {
            match (change, cols) {
                (
                    Change::Put {
                        old: Some(old),
                        new,
                    },
                    Some(cols),
                ) => {
                    let requested = self.put(c, old, new, cols).await?;
                    Ok((
                        new.id.as_str(),
                        requested.map(|r| told_put(cols, r, &new.id)),
                    ))
                }
                // New jobs went to `insert_all`; a put always has its columns.
                (Change::Put { new, .. }, _) => Err(Failure::plain(Error::Internal(format!(
                    "job batch: job {} has no columns",
                    new.id
                )))),
                (Change::Delete(old), _) => Ok((
                    old.id.as_str(),
                    self.delete(c, old).await?.then_some(Told::Gone(&old.id)),
                )),
            }
        }));
        let first = tokio::try_join!(
            conn.begin(),
            writes,
            self.insert_all(c, &new),
            self.claimable(c, leases),
            self.prepare_last(c)
        );
        let (tx, writes, (), rows, ()) = conn.or_rollback(first).await?;
        let mut told = Vec::with_capacity(changes.len() + leases.len());
        told.extend(new.iter().map(|(id, cols)| Told::Record(id, &cols.json)));
        let mut conflicts = Vec::new();
        for (id, applied) in writes {
            match applied {
                Some(t) => told.push(t),
                None => conflicts.push(id.to_string()),
            }
        }
        let decoded = rows
            .iter()
            .zip(leases)
            .map(|(row, lease)| taken(row, lease).and_then(|r| Columns::of(&r).map(|c| (r, c))))
            .collect::<Result<Vec<_>>>()
            .map_err(Failure::plain);
        let (claimed, claimed_cols): (Vec<JobRecord>, Vec<Columns>) =
            conn.or_rollback(decoded).await?.into_iter().unzip();
        told.extend(
            claimed
                .iter()
                .zip(&claimed_cols)
                .map(|(r, c)| Told::Record(&r.id, &c.json)),
        );
        #[cfg(test)]
        {
            let n = self.fail_at_least.load(Ordering::SeqCst);
            if n > 0 && changes.len() >= n {
                conn.rollback().await;
                return Err(Failure::plain(Error::Internal(
                    "database: injected commit failure".into(),
                )));
            }
        }
        let takes = try_join_all(
            claimed
                .iter()
                .zip(&claimed_cols)
                .zip(leases)
                .map(|((rec, cols), lease)| self.take(c, rec, cols, lease)),
        );
        let last = async {
            tokio::try_join!(takes, self.notify(c, &told))?;
            Ok(())
        };
        conn.commit_with(&tx, last).await?;
        #[cfg(test)]
        if !changes.is_empty()
            && self
                .lose_answers
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Err(Failure::plain(Error::Internal(
                "database: injected loss of a commit's answer (it committed)".into(),
            )));
        }
        Ok(Applied { claimed, conflicts })
    }

    /// Prepares the statements a transaction's last round trip may send (`take`, `notify`),
    /// to be joined with its first: COMMIT travels with them, so none of them may still wait
    /// for its preparation (a round trip of its own) when COMMIT is sent — it would run after.
    async fn prepare_last(&self, c: &Client) -> std::result::Result<(), Failure> {
        tokio::try_join!(c.prepare_cached(TAKE), c.prepare_cached(NOTIFY))
            .map_err(|e| self.failure(e))?;
        Ok(())
    }

    /// Writes one record over `old.revision` (new ones: `insert_all`).
    /// Returns the row's `requested` once written, or `None` when it was not (a conflict).
    async fn put(
        &self,
        c: &Client,
        old: &JobRecord,
        new: &JobRecord,
        cols: &Columns,
    ) -> std::result::Result<Option<i16>, Failure> {
        let was = rev(old.revision).map_err(Failure::plain)?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 8] = [
            &new.id,
            &cols.json,
            &cols.state,
            &cols.priority_key,
            &cols.seq,
            &cols.completion_seq,
            &cols.revision,
            &was,
        ];
        // Leaving Running ends the lease and the requests made to its runner.
        let stmt = c
            .prepare_cached(
                "UPDATE jobs SET record = $2, state = $3, priority_key = $4, seq = $5, \
                 completion_seq = $6, revision = $7, \
                 requested = CASE WHEN $3 = 'Running' THEN requested ELSE 0 END, \
                 lease_owner = CASE WHEN $3 = 'Running' THEN lease_owner END, \
                 lease_until = CASE WHEN $3 = 'Running' THEN lease_until END \
                 WHERE id = $1 AND revision = $8 RETURNING requested",
            )
            .await
            .map_err(|e| self.failure(e))?;
        let row = c
            .query_opt(&stmt, &params)
            .await
            .map_err(|e| self.failure(e))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Inserts new jobs (`(id, columns)`), in one statement; an ID already stored fails the
    /// batch.
    async fn insert_all(
        &self,
        c: &Client,
        new: &[(&str, &Columns)],
    ) -> std::result::Result<(), Failure> {
        if new.is_empty() {
            return Ok(());
        }
        let stmt = c
            .prepare_cached(
                "INSERT INTO jobs (id, record, state, priority_key, seq, completion_seq, \
                 revision) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], \
                 $4::int8[], $5::int8[], $6::int8[], $7::int8[])",
            )
            .await
            .map_err(|e| self.failure(e))?;
        let ids: Vec<&str> = new.iter().map(|(id, _)| *id).collect();
        let records: Vec<&str> = new.iter().map(|(_, c)| c.json.as_str()).collect();
        let states: Vec<&str> = new.iter().map(|(_, c)| c.state).collect();
        let keys: Vec<i64> = new.iter().map(|(_, c)| c.priority_key).collect();
        let seqs: Vec<i64> = new.iter().map(|(_, c)| c.seq).collect();
        let completions: Vec<Option<i64>> = new.iter().map(|(_, c)| c.completion_seq).collect();
        let revisions: Vec<i64> = new.iter().map(|(_, c)| c.revision).collect();
        let n = c
            .execute(
                &stmt,
                &[
                    &ids,
                    &records,
                    &states,
                    &keys,
                    &seqs,
                    &completions,
                    &revisions,
                ],
            )
            .await
            .map_err(|e| self.failure(e))?;
        if n != new.len() as u64 {
            return Err(Failure::plain(Error::Internal(format!(
                "job batch: {n} of {} new jobs inserted",
                new.len()
            ))));
        }
        Ok(())
    }

    /// Deletes a job at `old.revision`, or finished (a history eviction by two daemons at once
    /// is not a conflict). A job already gone is not one either. Returns whether it applied.
    async fn delete(&self, c: &Client, old: &JobRecord) -> std::result::Result<bool, Failure> {
        let stmt = c
            .prepare_cached(
                "WITH gone AS (DELETE FROM jobs WHERE id = $1 \
                 AND (revision = $2 OR state IN ('Success', 'Failure')) RETURNING 1) \
                 SELECT EXISTS (SELECT 1 FROM gone), EXISTS (SELECT 1 FROM jobs WHERE id = $1)",
            )
            .await
            .map_err(|e| self.failure(e))?;
        let was = rev(old.revision).map_err(Failure::plain)?;
        let row = c
            .query_one(&stmt, &[&old.id, &was])
            .await
            .map_err(|e| self.failure(e))?;
        let (deleted, existed): (bool, bool) = (row.get(0), row.get(1));
        Ok(deleted || !existed)
    }

    /// The rows to claim, one per lease at most, locked by this transaction: expired leases
    /// first, then Pending jobs in claim order. Both are asked at once (two statements are
    /// cheaper to run than one that merges them); the Pending jobs locked beyond the claims
    /// (only when a lease had expired) are unlocked by the commit.
    async fn claimable(
        &self,
        c: &Client,
        leases: &[Lease],
    ) -> std::result::Result<Vec<Row>, Failure> {
        if leases.is_empty() {
            return Ok(Vec::new());
        }
        let want = leases.len() as i64;
        let (expired, pending) = tokio::try_join!(
            c.prepare_cached(
                "SELECT record, requested FROM jobs \
                 WHERE state = 'Running' AND lease_until <= clock_timestamp() \
                 ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED",
            ),
            c.prepare_cached(
                "SELECT record, requested FROM jobs WHERE state = 'Pending' \
                 ORDER BY priority_key, seq LIMIT $1 FOR UPDATE SKIP LOCKED",
            )
        )
        .map_err(|e| self.failure(e))?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&want];
        let (mut rows, pending) =
            tokio::try_join!(c.query(&expired, &params), c.query(&pending, &params))
                .map_err(|e| self.failure(e))?;
        rows.extend(pending);
        rows.truncate(leases.len());
        Ok(rows)
    }

    /// Writes a claimed job (`taken`, its row locked by this transaction), leased to
    /// `lease.owner`.
    async fn take(
        &self,
        c: &Client,
        rec: &JobRecord,
        cols: &Columns,
        lease: &Lease,
    ) -> std::result::Result<(), Failure> {
        let micros = i64::try_from(lease.duration.as_micros()).unwrap_or(i64::MAX);
        let stmt = c.prepare_cached(TAKE).await.map_err(|e| self.failure(e))?;
        c.execute(
            &stmt,
            &[
                &rec.id,
                &cols.json,
                &cols.state,
                &cols.revision,
                &lease.owner,
                &micros,
            ],
        )
        .await
        .map_err(|e| self.failure(e))?;
        Ok(())
    }

    /// Tells the other daemons what changed (delivered when the transaction commits), in
    /// notifications of at most `PAYLOAD_MAX` bytes: `<token> {"jobs": [record, ...],
    /// "read": [id, ...], "gone": [id, ...]}` — the records as written, so that the others do
    /// not have to read them back, and the IDs of jobs to read (a record too large for one
    /// notification, a request made to its runner).
    async fn notify(&self, c: &Client, told: &[Told<'_>]) -> std::result::Result<(), Failure> {
        if told.is_empty() {
            return Ok(());
        }
        let stmt = c
            .prepare_cached(NOTIFY)
            .await
            .map_err(|e| self.failure(e))?;
        let payloads = payloads(&self.token, told);
        type Param<'p> = &'p (dyn tokio_postgres::types::ToSql + Sync);
        let params: Vec<[Param<'_>; 2]> = payloads
            .iter()
            .map(|p| [&CHANNEL as Param<'_>, p])
            .collect();
        try_join_all(params.iter().map(|p| c.execute(&stmt, p)))
            .await
            .map_err(|e| self.failure(e))?;
        Ok(())
    }
}

/// One change told to the other daemons.
enum Told<'a> {
    /// The job as now stored: its ID and JSON record.
    Record(&'a str, &'a str),
    /// Read it again.
    Read(&'a str),
    /// Deleted.
    Gone(&'a str),
}

/// What to tell of a record written over a row whose `requested` is now `requested`: the
/// record itself, or (requests pending, which the record's flags do not show) its ID to read.
fn told_put<'a>(cols: &'a Columns, requested: i16, id: &'a str) -> Told<'a> {
    if requested == 0 {
        Told::Record(id, &cols.json)
    } else {
        Told::Read(id)
    }
}

/// The notifications telling `told`, each under `PAYLOAD_MAX` bytes (a record that cannot fit
/// is told by its ID).
fn payloads(token: &str, told: &[Told<'_>]) -> Vec<String> {
    #[derive(Default)]
    struct Lists {
        jobs: Vec<String>,
        read: Vec<String>,
        gone: Vec<String>,
        len: usize,
    }
    let quoted = |id: &str| serde_json::Value::from(id).to_string();
    let render = |l: &Lists| {
        format!(
            "{token} {{\"jobs\":[{}],\"read\":[{}],\"gone\":[{}]}}",
            l.jobs.join(","),
            l.read.join(","),
            l.gone.join(",")
        )
    };
    // The frame without entries, and one comma per entry.
    let frame = render(&Lists::default()).len();
    let mut out = Vec::new();
    let mut cur = Lists::default();
    for t in told {
        let (list, item) = match t {
            Told::Record(_, json) if frame + json.len() < PAYLOAD_MAX => (0, json.to_string()),
            Told::Record(id, _) | Told::Read(id) => (1, quoted(id)),
            Told::Gone(id) => (2, quoted(id)),
        };
        if frame + cur.len + item.len() + 1 > PAYLOAD_MAX {
            out.push(render(&cur));
            cur = Lists::default();
        }
        cur.len += item.len() + 1;
        match list {
            0 => cur.jobs.push(item),
            1 => cur.read.push(item),
            _ => cur.gone.push(item),
        }
    }
    if cur.len > 0 {
        out.push(render(&cur));
    }
    out
}

/// A notification's body (`payloads`).
#[derive(serde::Deserialize)]
struct Notice {
    #[serde(default)]
    jobs: Vec<JobRecord>,
    #[serde(default)]
    read: Vec<String>,
    #[serde(default)]
    gone: Vec<String>,
}

impl Drop for PgJobStore {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// What the columns say of a record.
struct Columns {
    json: String,
    state: &'static str,
    priority_key: i64,
    seq: i64,
    completion_seq: Option<i64>,
    revision: i64,
}

impl Columns {
    fn of(r: &JobRecord) -> Result<Columns> {
        let json = serde_json::to_string(r)
            .map_err(|e| Error::Internal(format!("encode job {}: {e}", r.id)))?;
        let big = |what: &str, n: u64| {
            i64::try_from(n)
                .map_err(|_| Error::Internal(format!("job {}: {what} {n} too large", r.id)))
        };
        Ok(Columns {
            json,
            state: r.state.as_str(),
            priority_key: i64::from(priority_key(r.priority)),
            seq: big("seq", r.seq)?,
            completion_seq: r
                .completion_seq
                .filter(|_| r.state.is_finished())
                .map(|c| big("completion seq", c))
                .transpose()?,
            revision: big("revision", r.revision)?,
        })
    }
}

fn rev(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Internal(format!("job revision {n} too large")))
}

/// A `record, requested` row: the record with the requests made to its runner in its flags.
fn decode_row(row: &Row) -> Result<JobRecord> {
    let json: &str = row.get(0);
    let requested: i16 = row.get(1);
    let mut r: JobRecord =
        serde_json::from_str(json).map_err(|e| Error::Internal(format!("decode job: {e}")))?;
    r.flags.pause |= requested & 1 != 0;
    r.flags.cancel |= requested & 2 != 0;
    Ok(r)
}

/// A claimed row's job as it becomes: Running (a Pending job starts; a taken-over one stays
/// Running) under `lease`, one revision higher.
fn taken(row: &Row, lease: &Lease) -> Result<JobRecord> {
    let mut rec = decode_row(row)?;
    rec.runner = Some(lease.owner.clone());
    if rec.state == JobState::Pending {
        rec.state =
            advance(rec.state, Event::Start).map_err(|r| Error::Invalid(r.message(&rec.id)))?;
        rec.error_code = 0;
        rec.error_details.clear();
        rec.flags = Flags::default();
        rec.last_change_us = now_us();
    }
    rec.revision += 1;
    Ok(rec)
}

/// The news of a notification another process sent (none: one of ours). A body that does not
/// parse (another program on the channel, a damaged payload) asks for a read of everything.
fn news_of(payload: &str, token: &str) -> Vec<StoreNews> {
    let Some((who, body)) = payload.split_once(' ') else {
        return vec![StoreNews::Resync];
    };
    if who == token {
        return Vec::new();
    }
    let notice: Notice = match serde_json::from_str(body) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("job notification not understood ({e}): reading every job again");
            return vec![StoreNews::Resync];
        }
    };
    let mut news = Vec::new();
    let stored: Vec<(String, Option<JobRecord>)> = notice
        .jobs
        .into_iter()
        .map(|r| (r.id.clone(), Some(r)))
        .chain(notice.gone.into_iter().map(|id| (id, None)))
        .collect();
    if !stored.is_empty() {
        news.push(StoreNews::Stored(stored));
    }
    if !notice.read.is_empty() {
        news.push(StoreNews::Changed(notice.read));
    }
    news
}

impl JobStore for PgJobStore {
    fn load_all(&self) -> Result<Vec<JobRecord>> {
        self.db.block_on(async {
            self.read(SELECT, &[])
                .await?
                .iter()
                .map(decode_row)
                .collect()
        })
    }

    fn get(&self, id: &str) -> Result<Option<JobRecord>> {
        self.db.block_on(async {
            self.read("SELECT record, requested FROM jobs WHERE id = $1", &[&id])
                .await?
                .first()
                .map(decode_row)
                .transpose()
        })
    }

    fn get_many(&self, ids: &[String]) -> Result<Vec<(String, Option<JobRecord>)>> {
        let found: Vec<JobRecord> = self.db.block_on(async {
            // One index probe per ID: `id = ANY($1)` is planned as a scan of the whole table
            // comparing each row with every ID once the array is long (a burst's news).
            self.read(
                "SELECT j.record, j.requested FROM unnest($1::text[]) AS u(id) \
                 CROSS JOIN LATERAL \
                 (SELECT record, requested FROM jobs WHERE jobs.id = u.id LIMIT 1) AS j",
                &[&ids],
            )
            .await?
            .iter()
            .map(decode_row)
            .collect::<Result<Vec<_>>>()
        })?;
        let mut by_id: std::collections::HashMap<String, JobRecord> =
            found.into_iter().map(|r| (r.id.clone(), r)).collect();
        Ok(ids
            .iter()
            .map(|id| (id.clone(), by_id.remove(id)))
            .collect())
    }

    fn pending_ids(&self) -> Result<Vec<String>> {
        self.db.block_on(
            self.ids("SELECT id FROM jobs WHERE state = 'Pending' ORDER BY priority_key, seq"),
        )
    }

    fn history_ids(&self) -> Result<Vec<String>> {
        self.db.block_on(self.ids(
            "SELECT id FROM jobs WHERE state IN ('Success', 'Failure') \
             AND completion_seq IS NOT NULL ORDER BY completion_seq",
        ))
    }

    /// The batch in one transaction; a change over a revision that is no longer stored fails
    /// the whole batch (the engine uses `apply_checked`, which names it instead).
    fn apply(&self, changes: &[Change<'_>], durability: Durability) -> Result<()> {
        self.apply_and_claim(changes, durability, &[]).map(|_| ())
    }

    fn apply_and_claim(
        &self,
        changes: &[Change<'_>],
        durability: Durability,
        leases: &[Lease],
    ) -> Result<Vec<JobRecord>> {
        let applied = self.apply_checked(changes, durability, leases)?;
        match applied.conflicts.first() {
            None => Ok(applied.claimed),
            // The rest is committed: say which job another daemon changed first.
            Some(id) => Err(Error::Invalid(format!(
                "job {id} was changed by another daemon: read it again"
            ))),
        }
    }

    /// Every batch commits synchronously, whatever its `Durability` (see `batch`).
    fn apply_checked(
        &self,
        changes: &[Change<'_>],
        _durability: Durability,
        leases: &[Lease],
    ) -> Result<Applied> {
        if changes.is_empty() && leases.is_empty() {
            return Ok(Applied::default());
        }
        self.with_retries(|| self.batch(changes, leases))
    }

    fn claim(&self, lease: &Lease) -> Result<Option<JobRecord>> {
        Ok(self
            .apply_checked(&[], Durability::StateChange, std::slice::from_ref(lease))?
            .claimed
            .pop())
    }

    fn claim_job(&self, id: &str, lease: &Lease) -> Result<Option<JobRecord>> {
        self.with_retries(|| async {
            let conn = Pipelined::connect(&self.db).await?;
            let c = conn.client();
            let select = async {
                let stmt = c
                    .prepare_cached(
                        "SELECT record, requested FROM jobs WHERE id = $1 AND state = 'Pending' \
                         FOR UPDATE SKIP LOCKED",
                    )
                    .await
                    .map_err(|e| self.failure(e))?;
                c.query_opt(&stmt, &[&id])
                    .await
                    .map_err(|e| self.failure(e))
            };
            let first = tokio::try_join!(conn.begin(), select, self.prepare_last(c));
            let (tx, Some(row), ()) = conn.or_rollback(first).await? else {
                conn.rollback().await;
                return Ok(None);
            };
            let decoded = taken(&row, lease)
                .and_then(|r| Columns::of(&r).map(|c| (r, c)))
                .map_err(Failure::plain);
            let (rec, cols) = conn.or_rollback(decoded).await?;
            let told = [Told::Record(&rec.id, &cols.json)];
            let last = async {
                tokio::try_join!(self.take(c, &rec, &cols, lease), self.notify(c, &told))?;
                Ok(())
            };
            conn.commit_with(&tx, last).await?;
            Ok(Some(rec))
        })
    }

    fn renew(&self, owner: &str, ids: &[String], duration: Duration) -> Result<()> {
        let micros = i64::try_from(duration.as_micros()).unwrap_or(i64::MAX);
        self.db.block_on(async {
            self.read(
                "WITH renewed AS (UPDATE jobs \
                 SET lease_until = clock_timestamp() + $2::bigint * interval '1 microsecond' \
                 WHERE id = ANY($3) AND lease_owner = $1 AND state = 'Running' RETURNING 1) \
                 SELECT count(*) FROM renewed",
                &[&owner, &micros, &ids],
            )
            .await
            .map(|_| ())
        })
    }

    fn request(&self, id: &str, flags: Flags) -> Result<bool> {
        let bits: i16 = i16::from(flags.pause) | (i16::from(flags.cancel) << 1);
        self.with_retries(|| async {
            let conn = Pipelined::connect(&self.db).await?;
            let c = conn.client();
            let update = async {
                let stmt = c
                    .prepare_cached(
                        "UPDATE jobs SET requested = requested | $2 \
                         WHERE id = $1 AND state = 'Running'",
                    )
                    .await
                    .map_err(|e| self.failure(e))?;
                c.execute(&stmt, &[&id, &bits])
                    .await
                    .map_err(|e| self.failure(e))
            };
            let first = tokio::try_join!(conn.begin(), update, self.prepare_last(c));
            let (tx, n, ()) = conn.or_rollback(first).await?;
            if n != 1 {
                conn.rollback().await;
                return Ok(false);
            }
            let told = [Told::Read(id)];
            conn.commit_with(&tx, self.notify(c, &told)).await?;
            Ok(true)
        })
    }

    /// Nothing waits: a checkpoint batch is durable within `wal_writer_delay`.
    fn flush_if_stale(&self) -> Result<bool> {
        Ok(false)
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }

    fn shared(&self) -> bool {
        true
    }

    fn subscribe(&self, sink: NewsSink) -> Result<()> {
        let (db, token, stop) = (self.db.clone(), self.token.clone(), self.stop.clone());
        std::thread::Builder::new()
            .name("dicomq-jobs-listen".into())
            .spawn(move || listen(&db, &token, &stop, Arc::new(sink)))
            .map_err(|e| Error::Internal(format!("cannot start the job listener: {e}")))?;
        Ok(())
    }
}

/// The listener: LISTEN on a connection of its own and hand every other process's change to
/// `sink`; `Resync` each time it (re)connects, and every `POLL` while it cannot.
fn listen(db: &PgDatabase, token: &str, stop: &AtomicBool, sink: Arc<NewsSink>) {
    let mut down_since_logged = false;
    while !stop.load(Ordering::SeqCst) {
        let (closed_tx, closed) = channel::<()>();
        let (news, mine) = (sink.clone(), token.to_string());
        let connected = db
            .dedicated(move |m| match m {
                Some(AsyncMessage::Notification(n)) => {
                    for one in news_of(n.payload(), &mine) {
                        news(one);
                    }
                }
                Some(_) => {}
                None => {
                    let _ = closed_tx.send(());
                }
            })
            .and_then(|client| {
                db.block_on(client.batch_execute(&format!("LISTEN {CHANNEL}")))
                    .map_err(|e| db.error(&e))?;
                Ok(client)
            });
        match connected {
            Ok(client) => {
                if down_since_logged {
                    tracing::info!("job notifications: listening again");
                    down_since_logged = false;
                }
                // Whatever changed before LISTEN took effect is read now.
                sink(StoreNews::Resync);
                loop {
                    match closed.recv_timeout(POLL) {
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                        Err(RecvTimeoutError::Timeout) if stop.load(Ordering::SeqCst) => return,
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                }
                drop(client);
            }
            Err(e) => {
                if !down_since_logged {
                    tracing::warn!("job notifications: {e}; reading the jobs every second");
                    down_since_logged = true;
                }
            }
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep(POLL);
        sink(StoreNews::Resync);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Mutex;

    use super::*;
    use crate::persist::conformance::job_store::{Harness, run_all};
    use crate::persist::postgres::test_server::{TestServer, server};

    struct PgHarness {
        server: &'static TestServer,
        dir: tempfile::TempDir,
        made: Mutex<(u32, Option<PathBuf>)>,
    }

    impl Harness for PgHarness {
        type Store = PgJobStore;

        fn empty(&self) -> PgJobStore {
            let mut made = self.made.lock().expect("made");
            made.0 += 1;
            let dir = self.dir.path().join(made.0.to_string());
            made.1 = Some(dir.clone());
            PgJobStore::new(self.server.database_for(&dir))
        }

        fn reopen(&self, store: PgJobStore) -> PgJobStore {
            drop(store);
            let dir = self.made.lock().expect("made").1.clone().expect("a store");
            PgJobStore::new(self.server.database_for(&dir))
        }

        fn fail_batches(&self, store: &PgJobStore, at_least: Option<usize>) {
            store.fail_batches(at_least);
        }
    }

    #[test]
    fn postgres_job_store_conforms() {
        let Some(server) = server() else {
            return;
        };
        run_all(&PgHarness {
            server,
            dir: tempfile::tempdir().expect("tmp"),
            made: Mutex::new((0, None)),
        });
    }

    fn job(n: u64) -> JobRecord {
        let mut r: JobRecord = serde_json::from_value(serde_json::json!({
            "id": format!("00000000-0000-4000-8000-{n:012}"), "type": "Sleep", "priority": 0,
            "state": "Pending", "progress": 0.0, "position": 0, "steps": 3, "creation_us": 1,
            "last_change_us": 1, "error_code": 0, "seq": n,
        }))
        .expect("record");
        r.seq = n;
        r
    }

    /// Two daemons decide on the same revision: the second change is skipped and named, the
    /// first stays; the rest of the second batch is applied.
    #[test]
    fn a_change_over_an_old_revision_is_a_conflict_not_an_overwrite() {
        let Some(server) = server() else {
            return;
        };
        let db = server.fresh();
        let (a, b) = (PgJobStore::new(db.clone()), PgJobStore::new(db));
        let (one, two) = (job(1), job(2));
        a.apply(
            &[
                Change::Put {
                    old: None,
                    new: &one,
                },
                Change::Put {
                    old: None,
                    new: &two,
                },
            ],
            Durability::StateChange,
        )
        .expect("submit");
        let mut paused = one.clone();
        paused.state = JobState::Paused;
        paused.revision = 1;
        a.apply(
            &[Change::Put {
                old: Some(&one),
                new: &paused,
            }],
            Durability::StateChange,
        )
        .expect("pause on a");
        let mut canceled = one.clone();
        canceled.state = JobState::Failure;
        canceled.revision = 1;
        let mut two_paused = two.clone();
        two_paused.state = JobState::Paused;
        two_paused.revision = 1;
        let applied = b
            .apply_checked(
                &[
                    Change::Put {
                        old: Some(&one),
                        new: &canceled,
                    },
                    Change::Put {
                        old: Some(&two),
                        new: &two_paused,
                    },
                ],
                Durability::StateChange,
                &[],
            )
            .expect("apply");
        assert_eq!(applied.conflicts, vec![one.id.clone()]);
        assert_eq!(b.get(&one.id).expect("get"), Some(paused));
        assert_eq!(b.get(&two.id).expect("get"), Some(two_paused));
        // The plain `apply` refuses instead of overwriting.
        assert!(
            b.apply(
                &[Change::Put {
                    old: Some(&one),
                    new: &canceled
                }],
                Durability::StateChange
            )
            .is_err()
        );
    }

    /// A request reaches the running daemon's reads as flags, survives its checkpoints, and
    /// goes when the job leaves Running; a listener hears other stores' changes, not its own.
    #[test]
    fn requests_and_notifications_reach_the_other_daemon() {
        let Some(server) = server() else {
            return;
        };
        let db = server.fresh();
        let (a, b) = (PgJobStore::new(db.clone()), PgJobStore::new(db));
        let (tx, rx) = std::sync::mpsc::channel();
        let tx = Mutex::new(tx);
        b.subscribe(Box::new(move |news| {
            let _ = tx.lock().expect("tx").send(news);
        }))
        .expect("subscribe");
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)).expect("listening"),
            StoreNews::Resync
        );
        let one = job(1);
        a.apply(
            &[Change::Put {
                old: None,
                new: &one,
            }],
            Durability::StateChange,
        )
        .expect("submit");
        // The record as written comes with the news: nothing to read back.
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).expect("news"),
            StoreNews::Stored(vec![(one.id.clone(), Some(one.clone()))])
        );
        let lease = Lease {
            owner: "a".into(),
            duration: Duration::from_secs(60),
        };
        let running = a.claim(&lease).expect("claim").expect("job");
        assert!(
            b.request(
                &one.id,
                Flags {
                    pause: true,
                    cancel: false
                }
            )
            .expect("request")
        );
        let seen = b.get(&one.id).expect("get").expect("job");
        assert!(seen.flags.pause && !seen.flags.cancel);
        // The runner's checkpoint keeps the request; leaving Running ends it.
        let mut step = running.clone();
        step.position = 1;
        step.revision += 1;
        a.apply(
            &[Change::Put {
                old: Some(&running),
                new: &step,
            }],
            Durability::Checkpoint,
        )
        .expect("checkpoint");
        assert!(a.get(&one.id).expect("get").expect("job").flags.pause);
        let mut paused = step.clone();
        paused.state = JobState::Paused;
        paused.flags = Flags::default();
        paused.revision += 1;
        a.apply(
            &[Change::Put {
                old: Some(&step),
                new: &paused,
            }],
            Durability::StateChange,
        )
        .expect("pause");
        assert_eq!(a.get(&one.id).expect("get"), Some(paused));
        assert!(
            !b.request(
                &one.id,
                Flags {
                    pause: false,
                    cancel: true
                }
            )
            .expect("request")
        );
        // b's own request was not news to b; a's changes were: the claim and the pause as
        // records, the checkpoint (written over b's pending request, which its record does
        // not show) as an ID to read.
        let mut heard = Vec::new();
        while let Ok(news) = rx.recv_timeout(Duration::from_millis(500)) {
            match news {
                StoreNews::Stored(jobs) => heard.extend(
                    jobs.into_iter()
                        .map(|(id, r)| format!("{id} {:?}", r.map(|r| r.state))),
                ),
                StoreNews::Changed(ids) => {
                    heard.extend(ids.into_iter().map(|id| format!("{id} read")))
                }
                StoreNews::Resync => heard.push("resync".into()),
            }
        }
        let id = &one.id;
        assert_eq!(
            heard,
            [
                format!("{id} Some(Running)"),
                format!("{id} read"),
                format!("{id} Some(Paused)")
            ],
            "claim, checkpoint, pause"
        );
    }

    /// Notifications stay under PostgreSQL's payload limit, carry the records that fit and
    /// the IDs of those that do not, and a body that does not parse asks for a full read.
    #[test]
    fn notifications_carry_records_within_the_payload_limit() {
        let jobs: Vec<JobRecord> = (0..40).map(job).collect();
        let cols: Vec<Columns> = jobs.iter().map(|j| Columns::of(j).expect("cols")).collect();
        let huge = "x".repeat(PAYLOAD_MAX);
        let mut told: Vec<Told<'_>> = jobs
            .iter()
            .zip(&cols)
            .map(|(j, c)| Told::Record(&j.id, &c.json))
            .collect();
        told.push(Told::Record("big", &huge));
        told.push(Told::Read("asked"));
        told.push(Told::Gone("evicted"));
        let sent = payloads("me", &told);
        assert!(sent.len() > 1, "40 records of ~500 bytes need several");
        let mut stored = Vec::new();
        let mut read = Vec::new();
        for p in &sent {
            assert!(p.len() <= PAYLOAD_MAX, "{} bytes", p.len());
            assert!(news_of(p, "me").is_empty(), "our own news");
            for news in news_of(p, "other") {
                match news {
                    StoreNews::Stored(s) => stored.extend(s),
                    StoreNews::Changed(ids) => read.extend(ids),
                    StoreNews::Resync => panic!("resync"),
                }
            }
        }
        let mut expected: Vec<(String, Option<JobRecord>)> = jobs
            .iter()
            .map(|j| (j.id.clone(), Some(j.clone())))
            .collect();
        expected.push(("evicted".into(), None));
        stored.sort_by(|a, b| a.0.cmp(&b.0));
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(stored, expected);
        assert_eq!(read, ["big", "asked"]);
        assert_eq!(
            news_of("other {\"jobs\": [{\"id\": 1}]}", "me"),
            [StoreNews::Resync]
        );
        assert_eq!(news_of("garbage", "me"), [StoreNews::Resync]);
    }
}
