//! Judging commits on the facts [`super::read`] gathers: a single-parent commit by
//! [`wf_core::verify::judge_commit`] and the replays it names, a merge by its units and by the
//! policy it lands in.

use git2::{Oid, Sort};
use wf_core::verify::{self as core, Check, Header, Next, Problem, Signature};
use wf_core::Timestamp;

use std::rc::Rc;

use super::read::{changes, git_problem, Ctx, Folder, Policy, Top};
use super::{Approval, Fail, Kind, Report};
use crate::sign::{self, SigStatus};
use crate::tree::{Mode, ObjectId};

impl Ctx<'_> {
    /// A commit found clean earlier, described from its trailers (which the earlier run checked
    /// against its task file): action, task, actor, and what an approval approves. Only a
    /// commit judged as a task or policy action is described: the trailers of any other commit
    /// were never checked against anything.
    pub(super) fn describe_cached(&self, oid: Oid, kind: Kind) -> Report {
        let mut r = Report::new(oid, Kind::Cached);
        if !matches!(kind, Kind::Task | Kind::Policy) {
            return r;
        }
        let Ok(c) = self.repo.find_commit(oid) else {
            return r;
        };
        let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
        let t = wf_core::trailer::parse(&message);
        let get = |k: &str| wf_core::trailer::get(&t, k).map(str::to_string);
        use wf_core::trailer::key;
        r.action = get(key::ACTION);
        r.task = get(key::TASK);
        r.actor = get(key::ACTOR);
        if r.action.as_deref() == Some("approve") {
            let (Some(task), Some(rev), Some(digest), Some(by)) = (
                get(key::TASK),
                get(key::REVISION).and_then(|v| v.parse().ok()),
                get(key::DIGEST),
                get(key::ACTOR),
            ) else {
                return r;
            };
            let prefix = format!("wf: approve {task}: ");
            let title = message
                .lines()
                .next()
                .and_then(|l| l.strip_prefix(&prefix))
                .unwrap_or("")
                .to_string();
            r.approval = Some(Approval {
                task,
                title,
                revision: rev,
                digest,
                approver: by,
            });
        }
        r
    }

    pub(super) fn judge(&mut self, oid: Oid) -> Report {
        match self.judge_inner(oid, None) {
            Ok(r) => r,
            Err(Fail::Refused(why)) => {
                Report::new(oid, Kind::Task).problem(Problem::new(Check::Malformed, why))
            }
            Err(Fail::Git(e)) => Report::new(oid, Kind::Task).problem(git_problem(e)),
        }
    }

    /// Judge a commit. `under` replaces the policy of its parent: a merge judges the actions it
    /// brings in again under the policy where they land.
    pub(super) fn judge_inner(&mut self, oid: Oid, under: Option<&Policy>) -> Result<Report, Fail> {
        let data = self.commit_bytes(oid)?;
        let header = crate::raw::header(&data).map_err(Fail::Refused)?;
        self.remember_header(oid, &header);
        let (root, parents) = header;
        if parents.len() > 1 {
            return self.merge(oid, &data, root, &parents);
        }
        let proot = parents.first().map(|p| self.root_of(*p)).transpose()?;
        let top_c = self.top(root)?;
        let top_p = proot.map(|r| self.top(r)).transpose()?;
        let store_p = top_p.as_ref().is_some_and(|t| t.store);
        if !store_p && !top_c.store {
            if let Some(p) = reencoded(&data) {
                return Ok(Report::new(oid, Kind::Tree).problem(p));
            }
            // Outside a store nothing is an action: a commit that claims one (an unrelated
            // line merged into a store brings it into `wf-log`) is refused.
            if let Some(a) = claimed_action(&data) {
                return Ok(Report::new(oid, Kind::Tree).problem(Problem::new(
                    Check::Mismatch,
                    format!("says {a}, but is not in a store"),
                )));
            }
            return Ok(Report::new(oid, Kind::Skipped));
        }
        let (wf_p, tasks_p) = top_p
            .as_ref()
            .map_or((None, None), |t| (t.wf.clone(), t.tasks.clone()));
        let changed_wf = top_c.wf != wf_p;
        let changed_tasks = top_c.tasks != tasks_p;
        let changed_git = git_files_changed(&top_c, top_p.as_deref(), changed_wf);
        let action = changed_wf || changed_tasks || top_c.store != store_p;
        if !action && !changed_git && top_c.problem.is_none() {
            if let Some(p) = reencoded(&data) {
                return Ok(Report::new(oid, Kind::Tree).problem(p));
            }
            // In a store's history a commit that claims an action must be one: otherwise
            // `wf-log` would list an approval that approves nothing.
            if let Some(a) = claimed_action(&data) {
                return Ok(Report::new(oid, Kind::Tree).problem(Problem::new(
                    Check::Mismatch,
                    format!("says {a}, but changes nothing under .wf/ or tasks/"),
                )));
            }
            return Ok(Report::new(oid, Kind::Skipped));
        }
        let kind = match (changed_wf, action) {
            (true, _) => Kind::Policy,
            (false, true) => Kind::Task,
            (false, false) => Kind::Tree,
        };
        let mut report = Report::new(oid, kind);
        let raw = match crate::raw::parse(&data) {
            Ok(r) => r,
            Err(e) => return Ok(report.problem(Problem::new(Check::Malformed, e))),
        };
        // The shape of the trees comes first: nothing is read from a tree git would not
        // write, and a store never just disappears.
        if let Some(p) = &top_c.problem {
            return Ok(report.problem(Problem::new(Check::Malformed, p.clone())));
        }
        if store_p && !top_c.store {
            return Ok(report.problem(Problem::new(
                Check::Malformed,
                "the commit removes the store: .wf/store.toml is gone",
            )));
        }
        if changed_git {
            if let Some(p) = checked!(report, self.git_files(root)) {
                return Ok(report.problem(p));
            }
        }
        if !action {
            // Changing git's own files is no action either.
            if let Some(a) = claimed_action(&data) {
                return Ok(report.problem(Problem::new(
                    Check::Mismatch,
                    format!("says {a}, but changes nothing under .wf/ or tasks/"),
                )));
            }
            return Ok(report);
        }
        let pentry = |name: &str| match proot {
            Some(r) if store_p => self.area(r, name),
            _ => Ok(None),
        };
        let mut wf_paths = Vec::new();
        let mut task_paths = Vec::new();
        if changed_wf {
            let (b, a) = (
                checked!(report, pentry(".wf")),
                checked!(report, self.area(root, ".wf")),
            );
            checked!(
                report,
                changes(&self.trees, b.as_ref(), a.as_ref(), ".wf", &mut wf_paths)
            );
        }
        if changed_tasks {
            let (b, a) = (
                checked!(report, pentry("tasks")),
                checked!(report, self.area(root, "tasks")),
            );
            checked!(
                report,
                changes(
                    &self.trees,
                    b.as_ref(),
                    a.as_ref(),
                    "tasks",
                    &mut task_paths
                )
            );
        }
        // The trailers are parsed once for the commit's checks.
        let h = Header::new(
            &raw.message,
            (&raw.author.0, &raw.author.1),
            (&raw.committer.0, &raw.committer.1),
            Timestamp(raw.time),
        );
        let trailers = h.trailers();
        report.action =
            wf_core::trailer::get(trailers, wf_core::trailer::key::ACTION).map(str::to_string);
        report.task = match core::changed_task_ids(&task_paths) {
            Ok(ids) if changed_tasks && ids.len() == 1 => ids.into_iter().next(),
            _ => wf_core::trailer::get(trailers, wf_core::trailer::key::TASK).map(str::to_string),
        };
        let status = raw
            .signature
            .as_deref()
            .map(|s| sign::verify(s, &raw.payload));
        let signature = match &status {
            None | Some(SigStatus::Unsigned) => Signature::None,
            Some(SigStatus::Bad(why)) => Signature::Bad(why),
            Some(SigStatus::Good(key)) => Signature::Good(key),
        };
        let parent = match (proot.filter(|_| store_p), under) {
            (None, _) => None,
            (Some(_), Some(p)) => Some(p.clone()),
            (Some(r), None) => Some(checked!(report, self.policy(r))),
        };
        let facts = core::CommitFacts {
            header: &h,
            dates: (
                (raw.author_time.0, raw.author_time.1.as_str()),
                (raw.time, raw.zone.as_str()),
            ),
            signature,
            wf_paths: &wf_paths,
            task_paths: &task_paths,
            parent: parent
                .as_ref()
                .map(|p| p.as_ref().as_ref().map(|(_, l)| l).map_err(String::as_str)),
            has_tasks: top_c.tasks.is_some(),
            beside_policy_change: under.is_some(),
        };
        let next = match core::judge_commit(&facts) {
            Ok(n) => n,
            Err(p) => return Ok(report.problem(p)),
        };
        match next {
            Next::Founding { key } => {
                let after = checked!(report, super::wf_files(&self.trees, root));
                let (actor, verdict) = core::judge_founding(&after, &key, &h);
                report.actor = actor;
                if let Err(p) = verdict {
                    report.problems.push(p);
                }
            }
            Next::Policy { actor } => {
                report.actor = Some(actor.id.clone());
                let after = checked!(report, super::wf_files(&self.trees, root));
                let before = parent
                    .as_ref()
                    .and_then(|p| p.as_ref().as_ref().ok())
                    .map(|(f, _)| f);
                if let Err(p) = core::replay_policy(before, &after, &actor, &h) {
                    report.problems.push(p);
                }
            }
            Next::Task { mut actor, id } => {
                report.actor = Some(actor.id.clone());
                report.task = Some(id.clone());
                let Some(Ok((_, loaded))) = parent.as_ref().map(|p| p.as_ref()) else {
                    return Ok(report);
                };
                let proot = proot.unwrap_or(root);
                // Judged again under the policy where a merge lands it: authority (keys,
                // roles) is the landing policy's, but a run's provenance is the registration
                // it ran under, on its own line. A model changed on main since does not make
                // an honest run on a branch a false record.
                if under.is_some() {
                    if let Ok((_, own)) = checked!(report, self.policy(proot)).as_ref() {
                        if let Some(a) = own.actors.get(&actor.id) {
                            actor.run = a.run.clone();
                            actor.model = a.model.clone();
                        }
                    }
                }
                let mut before = checked!(report, self.task_files(proot, &id, Folder::Ids));
                // A revision of wf-run claims the digest of the prompt wf renders from the
                // parent: the core renders it again from the parent's files. The message must
                // be the one the task file implies, so a run always shows as this trailer.
                if wf_core::trailer::get(trailers, wf_core::trailer::key::RUN_COMMAND).is_some() {
                    before.read = Some(checked!(report, self.task_bytes(proot, &id)));
                }
                let after = checked!(
                    report,
                    self.task_files(root, &id, Folder::Contents(&before))
                );
                match core::replay_task(
                    &loaded.workflows,
                    &loaded.actors,
                    &actor,
                    &id,
                    &before,
                    &after,
                    &h,
                ) {
                    Ok(done) => {
                        report.approval =
                            core::approval_of(&done).map(|(t, revision, digest, by)| Approval {
                                task: t.id.clone(),
                                title: t.title.clone(),
                                revision,
                                digest: digest.to_string(),
                                approver: by.to_string(),
                            });
                    }
                    Err(p) => report.problems.push(p),
                }
            }
        }
        Ok(report)
    }

    pub(super) fn merge(
        &mut self,
        oid: Oid,
        data: &[u8],
        root: Oid,
        parents: &[Oid],
    ) -> Result<Report, Fail> {
        let report = Report::new(oid, Kind::Merge);
        let mut tops: Vec<Rc<Top>> = Vec::with_capacity(parents.len());
        for p in parents {
            let r = self.root_of(*p)?;
            tops.push(self.top(r)?);
        }
        let top_m = self.top(root)?;
        if !tops.iter().any(|t| t.store) && !top_m.store {
            if let Some(p) = reencoded(data) {
                return Ok(report.problem(p));
            }
            if let Some(a) = claimed_action(data) {
                return Ok(report.problem(Problem::new(
                    Check::Mismatch,
                    format!("a merge says {a}: wf actions are single-parent commits"),
                )));
            }
            return Ok(Report::new(oid, Kind::Skipped));
        }
        if let Err(e) = crate::raw::parse(data) {
            return Ok(report.problem(Problem::new(Check::Malformed, e)));
        }
        if let Some(a) = claimed_action(data) {
            return Ok(report.problem(Problem::new(
                Check::Mismatch,
                format!("a merge says {a}: wf actions are single-parent commits"),
            )));
        }
        // The base common to all parents costs a walk per parent down to it: an octopus of
        // hundreds of tips over one long line would cost the hook, and every verification of
        // the history after it, their product.
        if parents.len() > MAX_MERGE_PARENTS {
            return Ok(report.problem(Problem::new(
                Check::Malformed,
                format!(
                    "a merge of {} parents: wf judges merges of at most {MAX_MERGE_PARENTS}; merge fewer branches at once",
                    parents.len()
                ),
            )));
        }
        if let Some(p) = &top_m.problem {
            return Ok(report.problem(Problem::new(Check::Malformed, p.clone())));
        }
        if git_files_changed(
            &top_m,
            tops.first().map(|t| &**t),
            tops.first().is_some_and(|t| t.wf != top_m.wf),
        ) {
            if let Some(p) = checked!(report, self.git_files(root)) {
                return Ok(report.problem(p));
            }
        }
        // Every merge base: a criss-cross merge has several. For more than two parents,
        // the base common to all of them (a base of only some would make an older parent
        // look as if it changed everything the others did).
        let found = if parents.len() == 2 {
            self.repo
                .merge_bases(parents[0], parents[1])
                .map(|b| b.iter().copied().collect())
        } else {
            self.repo.merge_base_octopus(parents).map(|b| vec![b])
        };
        let bases: Vec<Oid> = match found {
            Ok(b) => b,
            Err(e) if e.code() == git2::ErrorCode::NotFound => vec![],
            Err(e) => return Err(e.into()),
        };
        let mut top_bs = Vec::with_capacity(bases.len());
        for b in &bases {
            let r = self.root_of(*b)?;
            top_bs.push(self.top(r)?);
        }
        let mut bs = Vec::with_capacity(top_bs.len());
        for t in &top_bs {
            bs.push(checked!(report, self.units(t)));
        }
        let mut ps = Vec::with_capacity(tops.len());
        for t in &tops {
            ps.push(checked!(report, self.units(t)));
        }
        let m = checked!(report, self.units(&top_m));
        let contested = match core::check_merge(&bs, &ps, m.as_ref()) {
            Ok(c) => c,
            Err(p) => return Ok(report.problem(p)),
        };
        // A task both lines acted on joins when both lines' actions replay, in one order,
        // to exactly the task the merge holds.
        for id in &contested {
            let (Some(base), Some(top_b)) = (bases.first(), top_bs.first()) else {
                continue;
            };
            let landing = tops
                .iter()
                .find(|t| t.store && t.wf != top_b.wf)
                .map_or(top_b.root, |t| t.root);
            if let Some(p) = checked!(
                report,
                self.join(id, *base, top_b.root, parents, root, landing)
            ) {
                return Ok(report.problem(p));
            }
        }
        // The actions a merge brings in are judged again under the policy where they land:
        // when one parent's line changed `.wf/` since the merge bases, every task action of
        // the other parents' lines must be legal under that parent's policy. A key revoked
        // (or a role taken away) on main cannot act through a branch forked before.
        let wf_bases: Vec<&super::read::Ident> = top_bs.iter().map(|t| &t.wf).collect();
        for (i, (t, parent)) in tops.iter().zip(parents).enumerate() {
            if !t.store || wf_bases.is_empty() || wf_bases.contains(&&t.wf) {
                continue;
            }
            let pol = checked!(report, self.policy(t.root));
            let others: Vec<Oid> = parents
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| *p)
                .collect();
            if let Some(p) = self.rejudge(&others, *parent, &pol, &t.wf)? {
                let which = if i == 0 {
                    "the first parent".to_string()
                } else {
                    format!("parent {}", i + 1)
                };
                return Ok(report.problem(Problem::new(
                    Check::Merge,
                    format!(
                        "brings in {p}, which the policy at {which} ({}) refuses; the policy changed there since the branches parted: rebase the branch onto it (wf sync)",
                        &parent.to_string()[..12]
                    ),
                )));
            }
        }
        Ok(report)
    }

    /// Judge a task both parents of a merge changed since their one merge base `base`: the
    /// actions of each line, replayed in one order under the policy at `landing`
    /// ([`core::concurrent::replay`] via [`wf_core::concurrent`]), must give exactly the task
    /// the merge (`root`) holds, and its folder must come from the one line that wrote it.
    pub(super) fn join(
        &mut self,
        id: &str,
        base: Oid,
        base_root: Oid,
        parents: &[Oid],
        root: Oid,
        landing: Oid,
    ) -> Result<Option<Problem>, Fail> {
        use crate::lines;
        let problem = |why: String| Ok(Some(Problem::new(Check::Merge, why)));
        let pol = self.policy(landing)?;
        let Ok((_, loaded)) = pol.as_ref() else {
            return problem(format!(
                "task {id} changed on both sides, and the policy where they meet does not load"
            ));
        };
        let merged = lines::task_text_at(&self.trees, root, id)?;
        let Some((merged, merged_text)) = merged else {
            return problem(format!(
                "the merge drops task {id}, which both sides changed"
            ));
        };
        let (Some(p0), Some(p1)) = (parents.first(), parents.get(1)) else {
            return problem(format!(
                "task {id} changed on both sides of a merge of more than two parents"
            ));
        };
        let at = lines::Meeting {
            base,
            base_root,
            parents: [*p0, *p1],
        };
        let joined = match lines::join(self.repo, &self.trees, loaded, &at, id, &merged.workflow)? {
            Ok(t) => t,
            Err(why) => {
                return problem(format!(
                    "task {id} changed on both sides, and the lines' actions do not replay in one order: {why}; run wf sync"
                ))
            }
        };
        // Byte for byte, as every other commit's task file: a file that only parses to the
        // replay could hold comments, other number forms or padding no action wrote.
        if joined.to_toml() != merged_text {
            return problem(format!(
                "task {id} changed on both sides, and the merge does not hold the replay of both lines' actions"
            ));
        }
        // The folder holds what the replayed task records: its latest revision's files, not
        // those of a revision the other line made (and a decision refused).
        let folder_files =
            self.task_files(root, id, Folder::Contents(&core::TaskFiles::default()))?;
        if let Err(p) = core::check_folder(&joined, &folder_files) {
            return Ok(Some(p));
        }
        // The task's folder (inputs, the latest revision's files) comes from the one line that
        // wrote it.
        let folder = |r: Oid| -> Result<Option<(Mode, ObjectId)>, Fail> {
            Ok(lines::unit(&self.trees, r, id)?.1.map(|e| (e.mode, e.id)))
        };
        let fb = folder(base_root)?;
        let mut wrote = Vec::new();
        for p in parents.iter().take(2) {
            let (proot, _) = lines::header(&self.trees, *p)?;
            let f = folder(proot)?;
            if f != fb && !wrote.contains(&f) {
                wrote.push(f);
            }
        }
        let fm = folder(root)?;
        match wrote.as_slice() {
            [] if fm == fb => Ok(None),
            [one] if fm == *one => Ok(None),
            [_, _] => problem(format!(
                "task {id}: both lines wrote its files (two revisions at once); run wf sync"
            )),
            _ => problem(format!(
                "the merge does not take task {id}'s files from the line that wrote them"
            )),
        }
    }

    /// Judge every single-parent commit reachable from `tips` but not from `landing` again under
    /// `policy` (that of the `.wf` identity `wf`); describe the first one refused. One walk for
    /// all the tips, and a commit found clean under one `.wf` is not judged again under it (in
    /// this merge or a later one): an octopus of M tips over a shared line of N commits, or M
    /// merges of that line, costs N + M judgements, not N × M.
    pub(super) fn rejudge(
        &mut self,
        tips: &[Oid],
        landing: Oid,
        policy: &Policy,
        wf: &super::read::Ident,
    ) -> Result<Option<String>, Fail> {
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        for tip in tips {
            walk.push(*tip)?;
        }
        walk.hide(landing)?;
        for c in walk {
            let c = c?;
            if self.rejudged(c, wf) {
                continue;
            }
            let data = self.commit_bytes(c)?;
            let (_, parents) = crate::raw::header(&data).map_err(Fail::Refused)?;
            if parents.len() > 1 {
                continue;
            }
            let r = match self.judge_inner(c, Some(policy)) {
                Ok(r) => r,
                Err(Fail::Refused(why)) => {
                    Report::new(c, Kind::Task).problem(Problem::new(Check::Malformed, why))
                }
                Err(Fail::Git(e)) => return Err(Fail::Git(e)),
            };
            if r.problems.is_empty() {
                self.rejudged_clean(c, wf);
            }
            if let Some(p) = r.problems.first() {
                let what = match (&r.action, &r.task, &r.actor) {
                    (Some(a), Some(t), Some(by)) => format!(" ({a} of {t} by {by})"),
                    (Some(a), Some(t), None) => format!(" ({a} of {t})"),
                    _ => String::new(),
                };
                return Ok(Some(format!(
                    "{}{what}: {}: {}",
                    &c.to_string()[..12],
                    p.check,
                    p.reason
                )));
            }
        }
        Ok(None)
    }
}

/// The most parents a merge in a store's history may have ([`Ctx::merge`]).
pub const MAX_MERGE_PARENTS: usize = 16;

/// Why a commit the verifier would leave alone must not be: it declares an `encoding` other
/// than UTF-8, so git shows its message re-encoded from that encoding, which is not the text
/// wf read for a claimed `Wf-Action` (ISO-2022-JP drops `ESC ( B` inside `W\x1b(Bf-Action`,
/// and git shows alice's approval; UTF-16 reads other text altogether). A judged commit may
/// carry no `encoding` header at all (`raw::parse`).
fn reencoded(commit: &[u8]) -> Option<Problem> {
    let head = &commit[..crate::raw::find(commit, b"\n\n").unwrap_or(commit.len())];
    // Every `encoding` header, not only the first: which one a reader takes is its own affair.
    let name = head
        .split(|b| *b == b'\n')
        .filter_map(|l| l.strip_prefix(b"encoding "))
        .map(String::from_utf8_lossy)
        .find(|n| !["utf-8", "utf8"].contains(&n.trim().to_ascii_lowercase().as_str()))?;
    Some(Problem::new(
        Check::Malformed,
        format!(
            "the commit declares encoding {}: git shows its message re-encoded, not as wf reads it",
            wf_core::text::visible(&format!("{name:?}"))
        ),
    ))
}

/// The `Wf-Action` a commit object's message claims, if any, as `Wf-Action <value>`: by wf's
/// reading of its trailers, or any line git could read as that trailer
/// ([`wf_core::trailer::action_line_for_git`]), quoted.
fn claimed_action(commit: &[u8]) -> Option<String> {
    let at = commit.windows(2).position(|w| w == b"\n\n")?;
    let message = String::from_utf8_lossy(&commit[at + 2..]);
    let trailers = wf_core::trailer::parse(&message);
    match wf_core::trailer::get(&trailers, wf_core::trailer::key::ACTION) {
        Some(a) => Some(format!("Wf-Action {}", wf_core::text::visible(a))),
        None => wf_core::trailer::action_line_for_git(&message).map(|l| {
            format!(
                "Wf-Action to git (the line {})",
                wf_core::text::visible(&format!("{:?}", l.trim_end_matches('\r')))
            )
        }),
    }
}

/// Whether git's own top-level files must be judged: they changed, the store is founded here,
/// or the actors a `.mailmap` must not rename may have changed.
fn git_files_changed(top: &Top, parent: Option<&Top>, changed_wf: bool) -> bool {
    if !top.store {
        return false;
    }
    match parent.filter(|p| p.store) {
        None => top.attributes.is_some() || top.mailmap.is_some(),
        Some(p) => {
            top.attributes != p.attributes
                || top.mailmap != p.mailmap
                || (changed_wf && top.mailmap.is_some())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reencoded;

    /// Any `encoding` header that is not UTF-8 counts, wherever it stands among the headers.
    #[test]
    fn every_encoding_header_is_read() {
        let commit = |headers: &str| format!("tree 0\n{headers}\nmsg\n");
        assert!(reencoded(commit("encoding ISO-2022-JP\n").as_bytes()).is_some());
        assert!(reencoded(commit("encoding UTF-8\nencoding ISO-2022-JP\n").as_bytes()).is_some());
        assert!(reencoded(commit("encoding utf8\n").as_bytes()).is_none());
        assert!(reencoded(commit("").as_bytes()).is_none());
        // A line of the message is no header.
        assert!(reencoded(b"tree 0\n\nencoding ISO-2022-JP\n").is_none());
    }
}
