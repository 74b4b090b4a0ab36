//! Group commit for imports. Every import makes its new files durable (`sync_staged`) and indexes
//! them (one redb commit) before it answers; concurrent imports — REST uploads from parallel
//! clients, several `store` calls through the daemon — queue their entries here and one of
//! them, the leader, syncs and commits the whole queue at once. The others wait for their part
//! of the outcome. A lone import leads at once: it pays what it paid before.
//!
//! Durability is unchanged: an import queues its entries only after its files are written, and
//! the leader's sync starts after it took them from the queue. A failed sync or commit fails
//! every import of the group, as a failed commit of one import's batch did.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

use super::header::ParsedHeader;
use super::index::{Indexed, NewInstance, StoredFile};
use crate::error::{Error, Result};

/// One new instance: its parsed header and the file it was written to.
pub type Entry = (ParsedHeader, StoredFile);

/// What became of one import's entries.
#[derive(Debug)]
pub enum Outcome {
    /// Indexed, one answer per entry in order.
    Committed(Vec<Indexed>),
    /// The files could not be made durable: nothing was indexed.
    NotSynced(String),
    /// The index commit failed: nothing was indexed.
    NotCommitted(CommitFailure),
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

#[derive(Default)]
pub struct GroupCommit {
    state: Mutex<State>,
    done: Condvar,
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
    /// meanwhile: `sync` (of the group's files, by name) and `commit` run once per group, on
    /// the leader's thread.
    pub fn commit(
        &self,
        entries: Vec<Entry>,
        sync: impl Fn(&[&str]) -> std::io::Result<()>,
        commit: impl Fn(&[NewInstance<'_>]) -> Result<Vec<Indexed>>,
    ) -> Outcome {
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
                run_group(group, &sync, &commit)
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

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn run_group(
    group: Vec<(u64, Vec<Entry>)>,
    sync: &dyn Fn(&[&str]) -> std::io::Result<()>,
    commit: &dyn Fn(&[NewInstance<'_>]) -> Result<Vec<Indexed>>,
) -> Vec<(u64, Outcome)> {
    let all_fail = |outcome: &dyn Fn() -> Outcome| {
        group
            .iter()
            .map(|(t, _)| (*t, outcome()))
            .collect::<Vec<_>>()
    };
    let files: Vec<&str> = group
        .iter()
        .flat_map(|(_, entries)| entries)
        .map(|(_, file)| file.uuid.as_str())
        .collect();
    if let Err(e) = sync(&files) {
        return all_fail(&|| Outcome::NotSynced(e.to_string()));
    }
    let news: Vec<NewInstance<'_>> = group
        .iter()
        .flat_map(|(_, entries)| entries)
        .map(|(header, file)| NewInstance {
            header,
            file: file.clone(),
        })
        .collect();
    let indexed = match commit(&news) {
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

    fn entry(n: u64) -> Entry {
        let bytes = crate::testdata::small_instance(n, 1000);
        let header = crate::store::header::parse_header(std::io::Cursor::new(bytes.as_slice()))
            .expect("header");
        let file = StoredFile {
            uuid: format!("file-{n}"),
            size: bytes.len() as u64,
            sop_class: header.sop_class.clone(),
            transfer_syntax: header.transfer_syntax.clone(),
        };
        (header, file)
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
                    group.commit(
                        entries,
                        |_| {
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
        let outcome = group.commit(
            vec![entry(1)],
            |files| {
                assert_eq!(files, ["file-1"], "the group's files are synced");
                Err(std::io::Error::other("disk gone"))
            },
            |_| unreachable!("no commit without a sync"),
        );
        assert!(matches!(outcome, Outcome::NotSynced(m) if m.contains("disk gone")));
        let outcome = group.commit(
            vec![entry(2)],
            |_| Ok(()),
            |_| Err(Error::Internal("database: full".into())),
        );
        assert!(
            matches!(outcome, Outcome::NotCommitted(CommitFailure::Other(m)) if m == "database: full")
        );
        let outcome = group.commit(
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
        let outcome = group.commit(vec![entry(3)], |_| Ok(()), |_| panic!("bug"));
        assert!(matches!(outcome, Outcome::NotCommitted(_)));
        let outcome = group.commit(
            vec![entry(4)],
            |_| Ok(()),
            |n| Ok(vec![Indexed::Success; n.len()]),
        );
        assert!(matches!(outcome, Outcome::Committed(v) if v == vec![Indexed::Success]));
    }
}
