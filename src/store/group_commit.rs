//! Group commit for imports. Every import makes its new files durable (`sync_staged`) and indexes
//! them (one redb commit) before it answers; concurrent imports — REST uploads from parallel
//! clients, several `store` calls through the daemon — queue their entries here and one of
//! them, the leader, syncs and commits the whole queue at once. The others wait for their part
//! of the outcome. A lone import leads at once: it pays what it paid before.
//!
//! Durability is unchanged: an import queues its entries only after its files are written, and
//! the leader's sync starts after it took them from the queue. A failed sync or commit fails
//! every import of the group, as a failed commit of one import's batch did.
//!
//! The sync and the commit are two device flushes. When the group allows it (`Sink::sync_beside`:
//! every file's directory entry is durable already and its record carries the file's CRC-32),
//! the sync runs on the group's sync thread beside the commit, and both end before anyone is
//! answered: one flush latency instead of two, and still nothing answered before its file and
//! its row are durable. A crash between the two leaves a row whose file in `incoming/` may be
//! short or torn: the recovery at open checks such files against their records' size and CRC
//! and drops the rows of those that differ (`Store::open`), as nobody was answered for them. A
//! sync that fails after its rows committed removes them again (`Sink::undo`) before the group
//! is answered with the failure.
//!
//! The job beside the commit is the sink's: in a daemon, a group of small imports is made
//! durable by the flush of its records in the import journal instead of its files' sync, and
//! its commit is deferred (`store/import_journal.rs`); the shape here is the same.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

use super::header::ParsedHeader;
use super::index::{Indexed, NewInstance, StoredFile};
use crate::error::{Error, Result};

/// One new instance: its parsed header, the file it was written to, and that file's bytes
/// when the import still holds them (a small import's sink journals them instead of syncing
/// the file: `store/import_journal.rs`).
pub struct Entry {
    pub header: ParsedHeader,
    pub file: StoredFile,
    pub bytes: Option<Vec<u8>>,
}

/// What became of one import's entries.
#[derive(Debug)]
pub enum Outcome {
    /// Indexed, one answer per entry in order.
    Committed(Vec<Indexed>),
    /// The files could not be made durable: nothing was indexed.
    NotSynced(String),
    /// The index commit failed: nothing was indexed.
    NotCommitted(CommitFailure),
    /// The files could not be made durable after their rows committed beside the sync, and
    /// the rows could not be removed again: the database handle is unusable (the second
    /// string says why). The files stay in `incoming/` for the recovery at open.
    Unsettled(String, CommitFailure),
}

/// What a group does with the index and the files, on the leader's thread.
pub trait Sink: Sync {
    /// Makes the group's files (by name) durable.
    fn sync(&self, files: &[&str]) -> std::io::Result<()>;
    /// Indexes the group, all or nothing; one answer per instance, in order.
    fn commit(&self, news: &[NewInstance<'_>]) -> Result<Vec<Indexed>>;
    /// The sync of the group's files (or whatever else makes the group durable, such as a
    /// journal's flush) as a job of its own, when it may run beside `commit`: their directory
    /// entries are durable and the recovery at open can check each against its row. The
    /// group's records must carry a CRC-32 too (checked here).
    fn sync_beside(&self, _group: &[&Entry]) -> Option<SyncJob> {
        None
    }
    /// Removes the instances `ids` committed beside a sync that failed, all or nothing.
    fn undo(&self, _ids: &[&str]) -> Result<()> {
        Err(Error::Internal("nothing to undo a commit with".into()))
    }
}

/// Why an index commit failed, kept for every import of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitFailure {
    /// The disk is full: redb's handle is now unusable.
    DiskFull,
    /// Another I/O error: redb's handle is now unusable.
    DatabaseIo(String),
    Other(String),
}

impl CommitFailure {
    fn of(e: Error) -> Self {
        match e {
            Error::DiskFull { .. } if e.poisons_database() => CommitFailure::DiskFull,
            Error::DatabaseIo(m) => CommitFailure::DatabaseIo(m),
            Error::Internal(m) => CommitFailure::Other(m),
            other => CommitFailure::Other(other.to_string()),
        }
    }

    pub fn into_error(self) -> Error {
        match self {
            CommitFailure::DiskFull => Error::DiskFull {
                home: None,
                what: "the store index could not be written".into(),
            },
            CommitFailure::DatabaseIo(m) => Error::DatabaseIo(m),
            CommitFailure::Other(m) => Error::Internal(m),
        }
    }

    /// Whether the database handle is unusable after this failure.
    pub fn poisons_database(&self) -> bool {
        !matches!(self, CommitFailure::Other(_))
    }
}

/// A sync that runs beside a commit, on the sync thread: it owns what it needs.
pub type SyncJob = Box<dyn FnOnce() -> std::io::Result<()> + Send>;

type SyncRequest = (SyncJob, SyncSender<std::io::Result<()>>);

#[derive(Default)]
pub struct GroupCommit {
    state: Mutex<State>,
    done: Condvar,
    /// The thread that runs the syncs beside the commits, started for the first (a thread
    /// started per group cost ten system calls on the path of every received instance). None:
    /// it could not be started, and syncs run before their commits. It ends with the group.
    syncer: OnceLock<Option<Mutex<Sender<SyncRequest>>>>,
}

#[derive(Default)]
struct State {
    leading: bool,
    next_ticket: u64,
    queue: Vec<(u64, Vec<Entry>)>,
    outcomes: HashMap<u64, Outcome>,
}

impl GroupCommit {
    /// Makes `entries` durable and indexed together with whatever other imports queued
    /// meanwhile: the sink's `sync` (of the group's files, by name) and `commit` run once per
    /// group, on the leader's thread (the sync on a thread of its own when beside the commit).
    pub fn commit(&self, entries: Vec<Entry>, sink: &dyn Sink) -> Outcome {
        let mut st = self.lock();
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.queue.push((ticket, entries));
        loop {
            if let Some(outcome) = st.outcomes.remove(&ticket) {
                return outcome;
            }
            if st.leading {
                st = self.done.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            st.leading = true;
            let group = std::mem::take(&mut st.queue);
            drop(st);
            let tickets: Vec<u64> = group.iter().map(|(t, _)| *t).collect();
            let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_group(group, sink, &|job| self.start_sync(job))
            }))
            .unwrap_or_else(|_| {
                tickets
                    .iter()
                    .map(|t| {
                        let failure = CommitFailure::Other("the commit panicked".into());
                        (*t, Outcome::NotCommitted(failure))
                    })
                    .collect()
            });
            st = self.lock();
            st.outcomes.extend(outcomes);
            st.leading = false;
            self.done.notify_all();
        }
    }

    /// Runs `job` on the sync thread; its outcome comes on the receiver. Gives the job back
    /// when there is no sync thread.
    fn start_sync(
        &self,
        job: SyncJob,
    ) -> std::result::Result<Receiver<std::io::Result<()>>, SyncJob> {
        let syncer = self.syncer.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<SyncRequest>();
            let started = std::thread::Builder::new()
                .name("dicomq-sync".into())
                .spawn(move || {
                    for (job, reply) in rx {
                        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
                            .unwrap_or_else(|_| Err(std::io::Error::other("the sync panicked")));
                        let _ = reply.send(outcome);
                    }
                });
            started.ok().map(|_| Mutex::new(tx))
        });
        let Some(tx) = syncer else {
            return Err(job);
        };
        let (reply, outcome) = mpsc::sync_channel(1);
        let tx = tx.lock().unwrap_or_else(|e| e.into_inner());
        match tx.send((job, reply)) {
            Ok(()) => Ok(outcome),
            // The thread is gone (it never panics out of its loop): the job comes back.
            Err(mpsc::SendError((job, _))) => Err(job),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type StartSync<'a> =
    dyn Fn(SyncJob) -> std::result::Result<Receiver<std::io::Result<()>>, SyncJob> + 'a;

fn run_group(
    group: Vec<(u64, Vec<Entry>)>,
    sink: &dyn Sink,
    start_sync: &StartSync<'_>,
) -> Vec<(u64, Outcome)> {
    let all_fail = |outcome: &dyn Fn() -> Outcome| {
        group
            .iter()
            .map(|(t, _)| (*t, outcome()))
            .collect::<Vec<_>>()
    };
    let entries = || group.iter().flat_map(|(_, entries)| entries);
    let files: Vec<&str> = entries().map(|e| e.file.uuid.as_str()).collect();
    let news: Vec<NewInstance<'_>> = entries()
        .map(|e| NewInstance {
            header: &e.header,
            file: e.file.clone(),
        })
        .collect();
    let beside = if entries().all(|e| e.file.crc32.is_some()) {
        sink.sync_beside(&entries().collect::<Vec<_>>())
    } else {
        None
    };
    let (synced, committed) = match beside.map(start_sync) {
        Some(Ok(syncing)) => {
            let committed = sink.commit(&news);
            let synced = syncing
                .recv()
                .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread stopped")));
            (synced, Some(committed))
        }
        // No sync thread: one after the other.
        Some(Err(job)) => (job(), None),
        None => (sink.sync(&files), None),
    };
    if let Err(e) = synced {
        let Some(Ok(indexed)) = committed else {
            // Nothing was indexed (a failed commit, or none beside): the files go.
            return all_fail(&|| Outcome::NotSynced(e.to_string()));
        };
        // Rows committed beside a failed sync: nobody may be answered before they are gone.
        let ids: Vec<&str> = news
            .iter()
            .zip(&indexed)
            .filter(|(_, i)| !matches!(i, Indexed::AlreadyStored))
            .map(|(n, _)| n.header.ids.instance.as_str())
            .collect();
        return match sink.undo(&ids) {
            Ok(()) => all_fail(&|| Outcome::NotSynced(e.to_string())),
            Err(u) => {
                let failure = CommitFailure::of(u);
                all_fail(&|| Outcome::Unsettled(e.to_string(), failure.clone()))
            }
        };
    }
    let committed = committed.unwrap_or_else(|| sink.commit(&news));
    let indexed = match committed {
        Ok(v) if v.len() == news.len() => v,
        Ok(v) => {
            let msg = format!("{} answers for {} instances", v.len(), news.len());
            let failure = CommitFailure::Other(msg);
            return all_fail(&|| Outcome::NotCommitted(failure.clone()));
        }
        Err(e) => {
            let failure = CommitFailure::of(e);
            return all_fail(&|| Outcome::NotCommitted(failure.clone()));
        }
    };
    let mut rest = indexed.as_slice();
    group
        .iter()
        .map(|(t, entries)| {
            let (mine, tail) = rest.split_at(entries.len());
            rest = tail;
            (*t, Outcome::Committed(mine.to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A sink of closures; `beside` (with an undo) lets the sync run beside the commit.
    struct Steps<S, C> {
        sync: Arc<S>,
        commit: C,
        beside: bool,
        undone: Mutex<Vec<String>>,
        undo_fails: bool,
    }

    impl<S, C> Sink for Steps<S, C>
    where
        S: Fn(&[&str]) -> std::io::Result<()> + Send + Sync + 'static,
        C: Fn(&[NewInstance<'_>]) -> Result<Vec<Indexed>> + Sync,
    {
        fn sync(&self, files: &[&str]) -> std::io::Result<()> {
            (self.sync)(files)
        }
        fn commit(&self, news: &[NewInstance<'_>]) -> Result<Vec<Indexed>> {
            (self.commit)(news)
        }
        fn sync_beside(&self, group: &[&Entry]) -> Option<SyncJob> {
            let sync = self.sync.clone();
            let files: Vec<String> = group.iter().map(|e| e.file.uuid.clone()).collect();
            let job = move || sync(&files.iter().map(String::as_str).collect::<Vec<_>>());
            self.beside.then(|| Box::new(job) as SyncJob)
        }
        fn undo(&self, ids: &[&str]) -> Result<()> {
            if self.undo_fails {
                return Err(Error::DatabaseIo("the disk is gone".into()));
            }
            let mut undone = self.undone.lock().expect("lock");
            undone.extend(ids.iter().map(|s| s.to_string()));
            Ok(())
        }
    }

    fn steps<S, C>(sync: S, commit: C, beside: bool) -> Steps<S, C> {
        Steps {
            sync: Arc::new(sync),
            commit,
            beside,
            undone: Mutex::new(Vec::new()),
            undo_fails: false,
        }
    }

    impl GroupCommit {
        fn commit_steps(
            &self,
            entries: Vec<Entry>,
            sync: impl Fn(&[&str]) -> std::io::Result<()> + Send + Sync + 'static,
            commit: impl Fn(&[NewInstance<'_>]) -> Result<Vec<Indexed>> + Sync,
        ) -> Outcome {
            self.commit(entries, &steps(sync, commit, false))
        }
    }

    /// An entry whose record carries its file's CRC-32 (a file written from memory).
    fn checked_entry(n: u64) -> Entry {
        let mut e = entry(n);
        e.file.crc32 = Some(n as u32);
        e
    }

    fn entry(n: u64) -> Entry {
        let bytes = crate::testdata::small_instance(n, 1000);
        let header = crate::store::header::parse_header(std::io::Cursor::new(bytes.as_slice()))
            .expect("header");
        let file = StoredFile {
            uuid: format!("file-{n}"),
            size: bytes.len() as u64,
            sop_class: header.sop_class.clone(),
            transfer_syntax: header.transfer_syntax.clone(),
            crc32: None,
        };
        Entry {
            header,
            file,
            bytes: None,
        }
    }

    #[test]
    fn concurrent_imports_share_syncs_and_commits_and_get_their_own_answers() {
        let group = Arc::new(GroupCommit::default());
        let syncs = Arc::new(AtomicUsize::new(0));
        let commits = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8u64)
            .map(|n| {
                let (group, syncs, commits) = (group.clone(), syncs.clone(), commits.clone());
                std::thread::spawn(move || {
                    let entries = vec![entry(2 * n), entry(2 * n + 1)];
                    group.commit_steps(
                        entries,
                        move |_| {
                            syncs.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            Ok(())
                        },
                        |news| {
                            commits.fetch_add(1, Ordering::SeqCst);
                            // Answer Success for even file numbers: each import must get the
                            // answers of its own entries back.
                            Ok(news
                                .iter()
                                .map(|n| {
                                    let k: u64 = n.file.uuid[5..].parse().expect("number");
                                    if k % 2 == 0 {
                                        Indexed::Success
                                    } else {
                                        Indexed::AlreadyStored
                                    }
                                })
                                .collect())
                        },
                    )
                })
            })
            .collect();
        for t in threads {
            match t.join().expect("thread") {
                Outcome::Committed(v) => {
                    assert_eq!(v, vec![Indexed::Success, Indexed::AlreadyStored]);
                }
                other => panic!("{other:?}"),
            }
        }
        let (s, c) = (syncs.load(Ordering::SeqCst), commits.load(Ordering::SeqCst));
        assert_eq!(s, c);
        assert!(s < 8, "8 concurrent imports took {s} syncs");
    }

    #[test]
    fn a_failed_sync_or_commit_fails_the_group_and_the_next_one_leads_again() {
        let group = GroupCommit::default();
        let outcome = group.commit_steps(
            vec![entry(1)],
            |files| {
                assert_eq!(files, ["file-1"], "the group's files are synced");
                Err(std::io::Error::other("disk gone"))
            },
            |_| unreachable!("no commit without a sync"),
        );
        assert!(matches!(outcome, Outcome::NotSynced(m) if m.contains("disk gone")));
        let outcome = group.commit_steps(
            vec![entry(2)],
            |_| Ok(()),
            |_| Err(Error::Internal("database: full".into())),
        );
        assert!(
            matches!(outcome, Outcome::NotCommitted(CommitFailure::Other(m)) if m == "database: full")
        );
        let outcome = group.commit_steps(
            vec![entry(5)],
            |_| Ok(()),
            |_| Err(Error::from(redb::Error::PreviousIo)),
        );
        match outcome {
            Outcome::NotCommitted(f) => {
                assert!(f.poisons_database());
                assert!(matches!(f.into_error(), Error::DatabaseIo(_)));
            }
            other => panic!("{other:?}"),
        }
        let outcome = group.commit_steps(vec![entry(3)], |_| Ok(()), |_| panic!("bug"));
        assert!(matches!(outcome, Outcome::NotCommitted(_)));
        let outcome = group.commit_steps(
            vec![entry(4)],
            |_| Ok(()),
            |n| Ok(vec![Indexed::Success; n.len()]),
        );
        assert!(matches!(outcome, Outcome::Committed(v) if v == vec![Indexed::Success]));
    }

    #[test]
    fn beside_the_commit_the_sync_overlaps_it_and_both_end_before_the_answer() {
        let group = GroupCommit::default();
        let synced = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sink = steps(
            {
                let synced = synced.clone();
                move |_: &[&str]| {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    synced.store(true, Ordering::SeqCst);
                    Ok(())
                }
            },
            |news: &[NewInstance<'_>]| {
                // The sync is still running: the two overlap.
                assert!(
                    !synced.load(Ordering::SeqCst),
                    "the commit waited for the sync"
                );
                Ok(vec![Indexed::Success; news.len()])
            },
            true,
        );
        let outcome = group.commit(vec![checked_entry(1), checked_entry(2)], &sink);
        assert!(
            synced.load(Ordering::SeqCst),
            "answered before the sync ended"
        );
        assert!(matches!(outcome, Outcome::Committed(v) if v == vec![Indexed::Success; 2]));
    }

    #[test]
    fn without_a_checksum_or_when_the_sink_says_no_the_sync_comes_first() {
        let group = GroupCommit::default();
        let synced = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sync = {
            let synced = synced.clone();
            move |_: &[&str]| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                synced.store(true, Ordering::SeqCst);
                Ok(())
            }
        };
        let commit = |news: &[NewInstance<'_>]| {
            assert!(
                synced.swap(false, Ordering::SeqCst),
                "committed before the sync"
            );
            Ok(vec![Indexed::Success; news.len()])
        };
        // One entry without a CRC-32: the recovery could not check its file.
        let sink = steps(sync.clone(), commit, true);
        let outcome = group.commit(vec![checked_entry(1), entry(2)], &sink);
        assert!(matches!(outcome, Outcome::Committed(_)), "{outcome:?}");
        let sink = steps(sync, commit, false);
        let outcome = group.commit(vec![checked_entry(3)], &sink);
        assert!(matches!(outcome, Outcome::Committed(_)), "{outcome:?}");
    }

    #[test]
    fn a_sync_failing_beside_a_commit_removes_the_new_rows_before_answering() {
        let group = GroupCommit::default();
        let (a, b) = (checked_entry(1), checked_entry(2));
        let (id_a, id_b) = (a.header.ids.instance.clone(), b.header.ids.instance.clone());
        let sink = steps(
            |_: &[&str]| Err(std::io::Error::other("EIO")),
            // The second was indexed before: its row is not this group's to remove.
            |_: &[NewInstance<'_>]| Ok(vec![Indexed::Success, Indexed::AlreadyStored]),
            true,
        );
        let outcome = group.commit(vec![a, b], &sink);
        assert!(
            matches!(&outcome, Outcome::NotSynced(m) if m.contains("EIO")),
            "{outcome:?}"
        );
        let undone = sink.undone.lock().expect("lock").clone();
        assert_eq!(undone, vec![id_a]);
        assert!(!undone.contains(&id_b));

        // Rows that cannot be removed: the store must stop (the handle is unusable).
        let mut sink = steps(
            |_: &[&str]| Err(std::io::Error::other("EIO")),
            |news: &[NewInstance<'_>]| Ok(vec![Indexed::Success; news.len()]),
            true,
        );
        sink.undo_fails = true;
        let outcome = group.commit(vec![checked_entry(3)], &sink);
        match outcome {
            Outcome::Unsettled(sync, failure) => {
                assert!(sync.contains("EIO"));
                assert!(failure.poisons_database());
            }
            other => panic!("{other:?}"),
        }

        // A failed commit beside a failed sync indexed nothing: nothing to undo.
        let sink = steps(
            |_: &[&str]| Err(std::io::Error::other("EIO")),
            |_: &[NewInstance<'_>]| Err(Error::Internal("full".into())),
            true,
        );
        let outcome = group.commit(vec![checked_entry(4)], &sink);
        assert!(matches!(outcome, Outcome::NotSynced(_)), "{outcome:?}");
        assert!(sink.undone.lock().expect("lock").is_empty());
        // A failed commit beside a good sync: the commit's failure.
        let sink = steps(
            |_: &[&str]| Ok(()),
            |_: &[NewInstance<'_>]| Err(Error::Internal("full".into())),
            true,
        );
        let outcome = group.commit(vec![checked_entry(5)], &sink);
        assert!(matches!(outcome, Outcome::NotCommitted(CommitFailure::Other(m)) if m == "full"));
    }
}
