//! The Backend inline: a Node opened in this process; every method is one Node call.

use std::time::Duration;

use super::{Backend, OutputDest};
use crate::error::{Error, Result};
use crate::jobs::{Action, JobInfo, JobRow};
use crate::node::{
    ChangesPage, CreateAnswer, CreateRequest, JobRequest, ListRequest, MetricsSwitch, NetworkList,
    Node, NodeStatus,
};
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportResult};
use crate::store::views::{RemovedView, ResourceView};

impl Backend for Node {
    fn is_remote(&self) -> bool {
        false
    }

    fn store(
        &self,
        items: Vec<ImportItem>,
        each: &mut dyn FnMut(&ImportResult),
    ) -> Result<Vec<ImportResult>> {
        self.import(items, each)
    }

    fn list(&self, level: Level, parent: Option<&str>) -> Result<Vec<ResourceView>> {
        Node::list(
            self,
            &ListRequest {
                level,
                parent: parent.map(str::to_string),
            },
        )
    }

    fn show(&self, id: &str) -> Result<ResourceView> {
        Node::show(self, id)
    }

    fn tags(&self, id: &str) -> Result<(serde_json::Value, String)> {
        self.instance_tags(id)
    }

    fn create_dicom(&self, req: CreateRequest) -> Result<Vec<CreateAnswer>> {
        Node::create_dicom(self, req)
    }

    fn pdf(&self, id: &str) -> Result<Vec<u8>> {
        self.pdf_of(id)
    }

    fn remove(&self, id: &str) -> Result<(String, RemovedView)> {
        Node::remove(self, id)
    }

    fn run_job_watched(&self, req: JobRequest, watch: &mut dyn FnMut(&JobInfo)) -> Result<JobInfo> {
        Node::run_job(self, req, &mut |j| {
            watch(j);
            Ok(())
        })
    }

    fn submit_job(&self, req: JobRequest) -> Result<String> {
        Node::submit_job(self, req)
    }

    fn job(&self, id: &str) -> Result<JobInfo> {
        Node::job(self, id)
    }

    fn find(&self, q: crate::store::find::FindQuery) -> Result<Vec<ResourceView>> {
        self.find_views(&q)
    }

    fn changes(&self, since: u64, limit: usize) -> Result<ChangesPage> {
        Node::changes(self, since, limit)
    }

    fn network_list(&self, which: NetworkList) -> Result<serde_json::Value> {
        Ok(Node::network_list(self, which))
    }

    fn echo(&self, modality: &str, timeout_s: Option<u64>) -> Result<()> {
        Node::echo(self, modality, timeout_s)
    }

    fn job_rows(&self) -> Result<Vec<JobRow>> {
        Ok(Node::job_rows(self))
    }

    fn jobs(&self) -> Result<Vec<JobInfo>> {
        Ok(self.list_jobs())
    }

    fn control_job(&self, id: &str, action: Action) -> Result<JobInfo> {
        Node::control_job(self, id, action)
    }

    fn wait_job(&self, id: &str, timeout: Option<Duration>) -> Result<JobInfo> {
        Node::wait_job(self, id, timeout, &mut |_| Ok(()))
    }

    fn wait_job_watched(
        &self,
        id: &str,
        timeout: Option<Duration>,
        watch: &mut dyn FnMut(&JobInfo) -> bool,
    ) -> Result<JobInfo> {
        Node::wait_job(self, id, timeout, &mut |j| {
            watch(j);
            Ok(())
        })
    }

    fn job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        let mut out = Node::job_output(self, id)?;
        match dest {
            OutputDest::File(to) => {
                crate::atomic::write_with(to, |f| std::io::copy(&mut out.file, f).map(|_| ()))?;
                std::fs::metadata(to)
                    .map(|m| m.len())
                    .map_err(|e| Error::io(to, e))
            }
            OutputDest::Stream(w) => copy_to_stream(&mut out.file, w),
        }
    }

    fn take_job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        match dest {
            OutputDest::File(to) => self.take_job_output_to(id, to),
            OutputDest::Stream(w) => {
                let mut out = Node::take_job_output(self, id)?;
                copy_to_stream(&mut out.file, w)?;
                Ok(out.len)
            }
        }
    }

    fn metrics_text(&self) -> Result<String> {
        Node::metrics_text(self)
    }

    fn metrics_switch(&self) -> Result<MetricsSwitch> {
        Node::metrics_switch(self)
    }

    fn set_metrics_enabled(&self, enabled: bool) -> Result<()> {
        Node::set_metrics_enabled(self, enabled)
    }

    fn status(&self) -> Result<(NodeStatus, Option<crate::protocol::DaemonFacts>)> {
        Ok((Node::status(self)?, None))
    }
}

fn copy_to_stream(from: &mut std::fs::File, w: &mut dyn std::io::Write) -> Result<u64> {
    let n = std::io::copy(from, w).map_err(|e| Error::io("stdout", e))?;
    w.flush().map_err(|e| Error::io("stdout", e))?;
    Ok(n)
}
