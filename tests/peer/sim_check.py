#!/usr/bin/python3
"""Reference client that checks the simulated scheduler for consistency.

Built on Apache Thrift's own Python library (python3-thrift 0.17): the generated
AuroraPeer.Client from tests/peer/eos.thrift over a small urllib transport that
sets the §1.2/§1.3 headers of /work/shared/aurora-api.md exactly. It calls every
read-only method of §3.1 and cross-checks the answers against each other:

    TMP=$(mktemp -d)
    thrift --gen py -out "$TMP" tests/peer/eos.thrift
    /usr/bin/python3 tests/peer/sim_check.py --gen "$TMP" \
        --url http://127.0.0.1:PORT/api --protocol binary

On success it prints one line,
`SIM-CHECK ok protocol=<p> methods=<n> jobs=<n> tasks=<n> updates=<n>`,
and exits 0. On the first violation it prints `SIM-CHECK FAIL <method>: <what>`
to stderr and exits 1. Only 127.0.0.1 URLs are accepted. Run it against a
frozen clock (`eos sim --clock frozen`): with a moving clock the world may
change between two calls, and the cross-checks would then fail.

Rules mirrored from the simulator (src/sim/api.rs) where the document leaves
room, so that a change on either side shows up here:

* quota consumption (getQuota): tasks in an ACTIVE_STATES status (§4.3, so
  PENDING and THROTTLED count), revocable ones included (Aurora's
  getTaskResources has no revocable filter), split by production (TaskConfig.production,
  or tier == `preferred` when unset) and dedicated (a constraint named
  `dedicated`); the sum of numCpus/ramMb/diskMb of each task's resources.
* getConfigSummary and getJobs count "active" as ACTIVE_STATES.
* getJobUpdateDiff previews non-service jobs too: Aurora's ReadOnlySchedulerImpl
  only validates the config and refuses cron jobs (only startJobUpdate refuses
  non-service tasks).
"""

import argparse
import io
import os
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402  (shares the binding loader and the canonical form)

from thrift.transport import TTransport  # noqa: E402

MEDIA = {
    'binary': 'application/vnd.apache.thrift.binary',
    'json': 'application/vnd.apache.thrift.json',
}

# The read-only methods of aurora-api.md §3.1.
READ_ONLY = (
    'getRoleSummary', 'getJobSummary', 'getTasksStatus', 'getTasksWithoutConfigs',
    'getPendingReason', 'getConfigSummary', 'getJobs', 'getQuota', 'populateJobConfig',
    'getJobUpdateSummaries', 'getJobUpdateDetails', 'getJobUpdateDiff', 'getTierConfigs',
)


class CheckFailed(Exception):
    pass


# --------------------------------------------------------------------------
# transport

class HttpTransport(TTransport.TTransportBase):
    """One POST per message; request and reply headers as §1.2/§1.3."""

    def __init__(self, url, protocol):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != 'http' or parsed.hostname != '127.0.0.1':
            raise SystemExit('sim_check: only http://127.0.0.1 URLs are allowed, got %r' % url)
        self.url = url
        self.media = MEDIA[protocol]
        self.wbuf = io.BytesIO()
        self.rbuf = io.BytesIO()
        # No proxies, whatever the environment says: the simulator is local.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def isOpen(self):
        return True

    def open(self):
        pass

    def close(self):
        pass

    def write(self, buf):
        self.wbuf.write(buf)

    def read(self, sz):
        return self.rbuf.read(sz)

    def flush(self):
        body = self.wbuf.getvalue()
        self.wbuf = io.BytesIO()
        req = urllib.request.Request(self.url, data=body, method='POST', headers={
            'Content-Type': self.media,
            'Accept': self.media,
        })
        with self.opener.open(req, timeout=60) as reply:
            status = reply.status
            ctype = reply.headers.get('Content-Type')
            data = reply.read()
        if status != 200:
            raise CheckFailed('HTTP %d' % status)
        if ctype != self.media:
            raise CheckFailed('reply Content-Type %r, expected %r (§1.3)' % (ctype, self.media))
        self.rbuf = io.BytesIO(data)


# --------------------------------------------------------------------------
# helpers

def key_of(k):
    return (k.role, k.environment, k.name)


def fmt_key(k):
    return '/'.join(str(x) for x in k)


def ids_of_ranges(ranges):
    out = []
    for r in ranges or []:
        out.extend(range(r.first, r.last + 1))
    return out


def totals(resources):
    cpus, ram, disk = 0.0, 0, 0
    for r in resources or []:
        if r.numCpus is not None:
            cpus += r.numCpus
        if r.ramMb is not None:
            ram += r.ramMb
        if r.diskMb is not None:
            disk += r.diskMb
    return cpus, ram, disk


def same_totals(a, b):
    return abs(a[0] - b[0]) < 1e-6 and a[1] == b[1] and a[2] == b[2]


def blank_executor_data(config):
    """Canonical plain form of a TaskConfig with executorConfig.data removed."""
    plain = peer.to_plain(config)
    if 'executorConfig' in plain:
        plain['executorConfig'].pop('data', None)
    return plain


class Checker(object):

    def __init__(self, url, protocol):
        self.T = peer.T
        self.protocol = protocol
        trans = HttpTransport(url, protocol)
        proto = peer.make_protocol(protocol, trans, accelerated=False)
        self.client = peer.AuroraPeer.Client(proto, proto)
        self.called = set()
        self.cluster = None
        self.method = None
        S = self.T.ScheduleStatus
        # §5.3
        self.buckets = {
            'pendingTaskCount': {S.INIT, S.PENDING, S.THROTTLED},
            'activeTaskCount': {S.ASSIGNED, S.STARTING, S.RUNNING, S.RESTARTING,
                                S.KILLING, S.DRAINING, S.PREEMPTING, S.PARTITIONED},
            'finishedTaskCount': {S.FINISHED, S.KILLED},
            'failedTaskCount': {S.FAILED, S.LOST},
        }
        # §4.3 ACTIVE_STATES
        self.active_states = {S.ASSIGNED, S.DRAINING, S.KILLING, S.PENDING, S.PREEMPTING,
                              S.RESTARTING, S.RUNNING, S.STARTING, S.PARTITIONED,
                              S.THROTTLED}

    # ---- plumbing

    def fail(self, what):
        raise CheckFailed('%s: %s' % (self.method or 'sim_check', what))

    def expect(self, cond, what):
        if not cond:
            self.fail(what)

    def status_name(self, s):
        return self.T.ScheduleStatus._VALUES_TO_NAMES.get(s, str(s))

    def call(self, method, *args, codes=('OK',)):
        """Calls `method`; checks the code and ServerInfo; returns the Response."""
        self.method = method
        self.called.add(method)
        resp = getattr(self.client, method)(*args)
        RC = self.T.ResponseCode
        code = RC._VALUES_TO_NAMES.get(resp.responseCode, str(resp.responseCode))
        if code not in codes:
            msgs = [d.message for d in resp.details or []]
            self.fail('responseCode %s, expected %s (args %s; details %s)' % (
                code, '/'.join(codes), [peer.canonical(a) for a in args], msgs))
        info = resp.serverInfo
        self.expect(info is not None and info.clusterName,
                    'no serverInfo.clusterName in the reply')
        if self.cluster is None:
            self.cluster = info.clusterName
        self.expect(info.clusterName == self.cluster, 'clusterName %r, earlier replies said %r'
                    % (info.clusterName, self.cluster))
        return resp

    def result(self, method, member, *args):
        resp = self.call(method, *args)
        self.expect(resp.result is not None, 'OK without a result')
        value = getattr(resp.result, member)
        self.expect(value is not None, 'result member %s is not set' % member)
        return value

    def tasks(self, method, **query):
        r = self.result(method, 'scheduleStatusResult', self.T.TaskQuery(**query))
        self.expect(r.tasks is not None, 'scheduleStatusResult.tasks is absent')
        return list(r.tasks)

    # ---- the checks

    def run(self):
        T = self.T
        self.check_tiers()

        # Every task, both ways (§3.1: same tasks, only executorConfig.data differs).
        stripped = self.tasks('getTasksWithoutConfigs')
        full = self.tasks('getTasksStatus')
        self.check_stripping(full, stripped)
        by_job = {}
        for t in stripped:
            by_job.setdefault(key_of(t.assignedTask.task.job), []).append(t)
        full_by_id = {t.assignedTask.taskId: t for t in full}

        summaries = self.result('getJobSummary', 'jobSummaryResult', None).summaries
        self.expect(summaries is not None, 'summaries absent')
        summary_by_key = {}
        for s in summaries:
            k = key_of(s.job.key)
            self.expect(k not in summary_by_key, 'job %s listed twice' % fmt_key(k))
            summary_by_key[k] = s
        self.expect(set(by_job) <= set(summary_by_key),
                    'jobs with tasks but no JobSummary: %s' % sorted(
                        fmt_key(k) for k in set(by_job) - set(summary_by_key)))
        roles = sorted({k[0] for k in summary_by_key})

        jobs_all = self.result('getJobs', 'getJobsResult', None).configs
        self.expect(jobs_all is not None, 'configs absent')

        self.check_role_summary(roles, by_job, summary_by_key, jobs_all)

        cron_keys = set()
        for role in roles:
            self.check_role(role, by_job, summary_by_key, jobs_all, cron_keys)

        for k, s in sorted(summary_by_key.items()):
            self.check_job(k, s, full_by_id, cron_keys)

        self.check_pending_reason_refusals(roles[0] if roles else 'nobody')
        self.check_quota_refusal()
        n_updates = self.check_updates(set(summary_by_key))
        self.check_populate(jobs_all)

        missing = [m for m in READ_ONLY if m not in self.called]
        self.expect(not missing, 'never called: %s' % missing)
        return len(self.called), len(summary_by_key), len(stripped), n_updates

    def check_tiers(self):
        r = self.result('getTierConfigs', 'getTierConfigResult')
        tiers = {t.name: t.settings or {} for t in r.tiers or []}
        self.expect(len(tiers) == len(r.tiers or []), 'a tier is listed twice')
        self.expect(set(tiers) == {'preferred', 'preemptible', 'revocable'},
                    'tiers %s, expected preferred, preemptible, revocable' % sorted(tiers))
        self.expect(r.defaultTierName in tiers,
                    'default tier %r is not one of the tiers' % r.defaultTierName)
        want = {'preferred': ('false', 'false'), 'preemptible': ('true', 'false'),
                'revocable': ('true', 'true')}
        for name, (pre, rev) in want.items():
            got = (tiers[name].get('preemptible'), tiers[name].get('revocable'))
            self.expect(got == (pre, rev), 'tier %s has preemptible/revocable %s, expected %s'
                        % (name, got, (pre, rev)))
        self.tier_names = set(tiers)

    def check_stripping(self, full, stripped):
        self.method = 'getTasksStatus/getTasksWithoutConfigs'
        ids_full = [t.assignedTask.taskId for t in full]
        ids_stripped = [t.assignedTask.taskId for t in stripped]
        self.expect(ids_full == ids_stripped,
                    'the two calls list different tasks for the same query (%d vs %d)'
                    % (len(ids_full), len(ids_stripped)))
        self.expect(len(set(ids_full)) == len(ids_full), 'a task id appears twice')
        for f, s in zip(full, stripped):
            tid = f.assignedTask.taskId
            fc, sc = f.assignedTask.task, s.assignedTask.task
            self.expect(fc is not None and sc is not None, '%s has no TaskConfig' % tid)
            self.expect(fc.executorConfig is not None and fc.executorConfig.data,
                        'getTasksStatus: %s has no executorConfig.data' % tid)
            self.expect(sc.executorConfig is not None
                        and sc.executorConfig.name == fc.executorConfig.name,
                        'getTasksWithoutConfigs: %s lost executorConfig.name' % tid)
            self.expect(sc.executorConfig.data is None,
                        'getTasksWithoutConfigs: %s still has executorConfig.data' % tid)
            self.expect(blank_executor_data(fc) == peer.to_plain(sc),
                        '%s: configs differ beyond executorConfig.data' % tid)
            f.assignedTask.task = None
            s.assignedTask.task = None
            self.expect(peer.canonical(f) == peer.canonical(s),
                        '%s: the task records differ' % tid)
            f.assignedTask.task = fc
            s.assignedTask.task = sc
            self.expect(sc.tier in self.tier_names, '%s has unknown tier %r' % (tid, sc.tier))

    def check_role_summary(self, roles, by_job, summary_by_key, jobs_all):
        r = self.result('getRoleSummary', 'roleSummaryResult')
        got = {}
        for s in r.summaries or []:
            self.expect(s.role not in got, 'role %s listed twice' % s.role)
            got[s.role] = s
        self.expect(sorted(got) == roles,
                    'roles %s, getJobSummary(all) has jobs of %s' % (sorted(got), roles))
        for role, s in got.items():
            # §4.5 RoleSummary: distinct job keys having any task record.
            with_tasks = len({k for k in by_job if k[0] == role})
            self.expect(s.jobCount == with_tasks,
                        'role %s: jobCount %s, but %d job keys have task records'
                        % (role, s.jobCount, with_tasks))
            crons = len([c for c in jobs_all if c.key.role == role and c.cronSchedule])
            self.expect(s.cronJobCount == crons,
                        'role %s: cronJobCount %s, but getJobs has %d cron templates'
                        % (role, s.cronJobCount, crons))

    def check_role(self, role, by_job, summary_by_key, jobs_all, cron_keys):
        T = self.T
        mine = {k: s for k, s in summary_by_key.items() if k[0] == role}
        per_role = self.result('getJobSummary', 'jobSummaryResult', role).summaries or []
        self.expect(sorted(peer.canonical(s) for s in per_role)
                    == sorted(peer.canonical(s) for s in mine.values()),
                    'getJobSummary(%r) differs from the %s part of getJobSummary(all)'
                    % (role, role))

        role_tasks = self.tasks('getTasksWithoutConfigs', role=role)
        self.expect(sorted(t.assignedTask.taskId for t in role_tasks)
                    == sorted(t.assignedTask.taskId for k, ts in by_job.items()
                              if k[0] == role for t in ts),
                    'role %s: the role query and the all-tasks query disagree' % role)

        # getJobs(role): all cron templates plus jobs with active tasks (§3.1).
        configs = self.result('getJobs', 'getJobsResult', role).configs or []
        self.expect(sorted(peer.canonical(c) for c in configs)
                    == sorted(peer.canonical(c) for c in jobs_all if c.key.role == role),
                    'getJobs(%r) differs from the %s part of getJobs(all)' % (role, role))
        crons = {key_of(c.key): c for c in configs if c.cronSchedule}
        cron_keys.update(crons)
        summary_crons = {k for k, s in mine.items() if s.job.cronSchedule}
        self.method = 'getJobs'
        self.expect(set(crons) == summary_crons,
                    'role %s: cron templates %s, getJobSummary shows %s' % (
                        role, sorted(map(fmt_key, crons)), sorted(map(fmt_key, summary_crons))))
        for k, c in crons.items():
            self.expect(peer.canonical(c) == peer.canonical(mine[k].job),
                        'cron template %s differs from its JobSummary' % fmt_key(k))
            self.expect(mine[k].nextCronRunMs is not None,
                        'cron job %s has no nextCronRunMs' % fmt_key(k))
        active_by_job = {}
        for t in role_tasks:
            if t.status in self.active_states:
                active_by_job.setdefault(key_of(t.assignedTask.task.job), []).append(t)
        plain = {key_of(c.key): c for c in configs if not c.cronSchedule}
        self.expect(set(plain) == set(active_by_job) - set(crons),
                    'role %s: non-cron jobs %s, jobs with active tasks %s' % (
                        role, sorted(map(fmt_key, plain)),
                        sorted(map(fmt_key, set(active_by_job) - set(crons)))))
        for k, c in plain.items():
            self.expect(c.instanceCount == len(active_by_job[k]),
                        '%s: instanceCount %s, %d active tasks' % (
                            fmt_key(k), c.instanceCount, len(active_by_job[k])))

        # getPendingReason: one reason per PENDING task of the role, nothing else.
        reasons = self.result('getPendingReason', 'getPendingReasonResult',
                              T.TaskQuery(role=role)).reasons or []
        got = [r.taskId for r in reasons]
        want = sorted(t.assignedTask.taskId for t in role_tasks
                      if t.status == T.ScheduleStatus.PENDING)
        self.expect(len(set(got)) == len(got), 'role %s: a task has two reasons' % role)
        self.expect(sorted(got) == want,
                    'role %s: reasons for %s, PENDING tasks are %s' % (role, sorted(got), want))
        for r in reasons:
            self.expect(isinstance(r.reason, str), '%s: reason is not a string' % r.taskId)

        # getQuota: consumption is the sum over the role's active tasks (rule in the header).
        q = self.result('getQuota', 'getQuotaResult', role)
        want = {'prodSharedConsumption': [0.0, 0, 0], 'nonProdSharedConsumption': [0.0, 0, 0],
                'prodDedicatedConsumption': [0.0, 0, 0],
                'nonProdDedicatedConsumption': [0.0, 0, 0]}
        for t in role_tasks:
            if t.status not in self.active_states:
                continue
            c = t.assignedTask.task
            tier = c.tier if c.tier is not None else 'preemptible'
            production = c.production if c.production is not None else tier == 'preferred'
            dedicated = any(x.name == 'dedicated' for x in c.constraints or [])
            member = ('prod' if production else 'nonProd') + \
                ('Dedicated' if dedicated else 'Shared') + 'Consumption'
            for i, v in enumerate(totals(c.resources)):
                want[member][i] += v
        self.expect(q.quota is not None, 'role %s: quota absent' % role)
        for member, w in want.items():
            agg = getattr(q, member)
            self.expect(agg is not None, 'role %s: %s absent (§3.1: all present)' % (role, member))
            got = totals(agg.resources)
            self.expect(same_totals(got, tuple(w)),
                        'role %s: %s is cpus/ram/disk %s, its active tasks add up to %s'
                        % (role, member, got, tuple(w)))

    def check_job(self, k, summary, full_by_id, cron_keys):
        T = self.T
        tasks = self.tasks('getTasksWithoutConfigs', role=k[0], environment=k[1], jobName=k[2])
        for t in tasks:
            self.expect(key_of(t.assignedTask.task.job) == k,
                        'a task of %s came back for %s' % (
                            fmt_key(key_of(t.assignedTask.task.job)), fmt_key(k)))
        # §5.3 buckets.
        counts = {name: 0 for name in self.buckets}
        for t in tasks:
            hits = [name for name, states in self.buckets.items() if t.status in states]
            self.expect(len(hits) == 1, '%s: status %s is in no JobStats bucket'
                        % (t.assignedTask.taskId, self.status_name(t.status)))
            counts[hits[0]] += 1
        self.method = 'getJobSummary'
        stats = summary.stats
        self.expect(stats is not None, '%s: no stats' % fmt_key(k))
        for name, n in counts.items():
            self.expect(getattr(stats, name) == n, '%s: %s is %s, its tasks give %d'
                        % (fmt_key(k), name, getattr(stats, name), n))
        if not summary.job.cronSchedule:
            self.expect(summary.job.instanceCount == len(tasks),
                        '%s: instanceCount %s, %d task records (§3.1)'
                        % (fmt_key(k), summary.job.instanceCount, len(tasks)))
            self.expect(summary.nextCronRunMs is None,
                        '%s: nextCronRunMs on a non-cron job' % fmt_key(k))

        active = {}
        for t in tasks:
            if t.status in self.active_states:
                i = t.assignedTask.instanceId
                self.expect(i not in active, '%s: instance %d has two active tasks'
                            % (fmt_key(k), i))
                active[i] = t

        # getConfigSummary: groups partition the active instances, with their configs.
        cs = self.result('getConfigSummary', 'configSummaryResult', T.JobKey(*k)).summary
        self.expect(key_of(cs.key) == k, 'summary for %s, asked %s' % (cs.key, fmt_key(k)))
        seen = {}
        groups = list(cs.groups or [])
        for g in groups:
            for i in ids_of_ranges(g.instances):
                self.expect(i not in seen, '%s: instance %d is in two groups' % (fmt_key(k), i))
                seen[i] = g
        self.expect(sorted(seen) == sorted(active),
                    '%s: groups cover %s, active instances are %s'
                    % (fmt_key(k), sorted(seen), sorted(active)))
        for i, g in seen.items():
            task = full_by_id[active[i].assignedTask.taskId].assignedTask.task
            self.expect(peer.canonical(g.config) == peer.canonical(task),
                        '%s: instance %d runs a config other than its group\'s'
                        % (fmt_key(k), i))
        for a, b in ((a, b) for n, a in enumerate(groups) for b in groups[n + 1:]):
            self.expect(peer.canonical(a.config) != peer.canonical(b.config),
                        '%s: two groups have the same config' % fmt_key(k))

        # getJobUpdateDiff of the current config at the current count: all unchanged.
        if k in cron_keys:
            if groups or summary.job.taskConfig is not None:
                config = groups[0].config if groups else summary.job.taskConfig
                self.call('getJobUpdateDiff', T.JobUpdateRequest(
                    taskConfig=config, instanceCount=max(1, len(active)),
                    settings=T.JobUpdateSettings(updateGroupSize=1)),
                    codes=('INVALID_REQUEST',))
            return
        if len(groups) != 1:
            return
        n = len(active)
        config = groups[0].config
        if sorted(active) != list(range(n)):
            return
        diff = self.result('getJobUpdateDiff', 'getJobUpdateDiffResult', T.JobUpdateRequest(
            taskConfig=config, instanceCount=n, settings=T.JobUpdateSettings(updateGroupSize=1)))
        for member in ('add', 'remove', 'update'):
            ids = [i for g in getattr(diff, member) or [] for i in ids_of_ranges(g.instances)]
            self.expect(not ids, '%s at its current config and count: %s %s'
                        % (fmt_key(k), member, ids))
        ids = [i for g in diff.unchanged or [] for i in ids_of_ranges(g.instances)]
        self.expect(sorted(ids) == list(range(n)), '%s: unchanged %s, expected 0-%d'
                    % (fmt_key(k), sorted(ids), n - 1))
        for g in diff.unchanged or []:
            self.expect(peer.canonical(g.config) == peer.canonical(config),
                        '%s: an unchanged group has another config' % fmt_key(k))
        self.diffs = getattr(self, 'diffs', 0) + 1

    def check_pending_reason_refusals(self, role):
        T = self.T
        # §3.1: statuses or slaveHosts in the query → INVALID_REQUEST.
        self.call('getPendingReason',
                  T.TaskQuery(role=role, statuses=[T.ScheduleStatus.PENDING]),
                  codes=('INVALID_REQUEST',))
        self.call('getPendingReason', T.TaskQuery(role=role, slaveHosts=['nowhere']),
                  codes=('INVALID_REQUEST',))

    def check_quota_refusal(self):
        # §3.1: blank role → ERROR.
        self.call('getQuota', '', codes=('ERROR',))

    def check_updates(self, job_keys):
        T = self.T
        summaries = self.result('getJobUpdateSummaries', 'getJobUpdateSummariesResult',
                                T.JobUpdateQuery()).updateSummaries or []
        last = [s.state.lastModifiedTimestampMs for s in summaries]
        self.expect(last == sorted(last, reverse=True),
                    'not sorted newest lastModified first')
        keys = [(key_of(s.key.job), s.key.id) for s in summaries]
        self.expect(len(set(keys)) == len(keys), 'an update is listed twice')
        active_per_job = {}
        active_statuses = {T.JobUpdateStatus.ROLLING_FORWARD, T.JobUpdateStatus.ROLLING_BACK,
                           T.JobUpdateStatus.ROLL_FORWARD_PAUSED,
                           T.JobUpdateStatus.ROLL_BACK_PAUSED,
                           T.JobUpdateStatus.ROLL_FORWARD_AWAITING_PULSE,
                           T.JobUpdateStatus.ROLL_BACK_AWAITING_PULSE}
        for s in summaries:
            if s.state.status in active_statuses:
                active_per_job.setdefault(key_of(s.key.job), []).append(s.key.id)
        for job, ids in active_per_job.items():
            self.expect(len(ids) == 1, '%s has %d active updates %s (§5.4: one per job)'
                        % (fmt_key(job), len(ids), ids))

        for s in summaries:
            name = '%s/%s' % (fmt_key(key_of(s.key.job)), s.key.id)
            r = self.result('getJobUpdateDetails', 'getJobUpdateDetailsResult',
                            None, T.JobUpdateQuery(key=s.key))
            self.expect(r.details is None, '%s: query form set details' % name)
            self.expect(r.detailsList is not None and len(r.detailsList) == 1,
                        '%s: query by key gave %d details' % (
                            name, len(r.detailsList or [])))
            d = r.detailsList[0]
            self.expect(peer.canonical(d.update.summary) == peer.canonical(s),
                        '%s: summary in details differs from getJobUpdateSummaries' % name)
            self.check_update_details(name, d)

            resp = self.call('getJobUpdateDetails', s.key, None, codes=('OK', 'WARNING'))
            r = resp.result.getJobUpdateDetailsResult if resp.result else None
            self.expect(r is not None and r.details is not None and r.detailsList is None,
                        '%s: key form must set details only' % name)
            self.expect(resp.details, '%s: key form without a deprecation message' % name)
            self.expect(peer.canonical(r.details) == peer.canonical(d),
                        '%s: key form and query form differ' % name)

        # §3.1: unknown key → INVALID_REQUEST; neither key nor query → ERROR.
        job = sorted(job_keys)[0] if job_keys else ('nobody', 'prod', 'none')
        self.call('getJobUpdateDetails', T.JobUpdateKey(job=T.JobKey(*job), id='no-such-update'),
                  None, codes=('INVALID_REQUEST',))
        self.call('getJobUpdateDetails', None, None, codes=('ERROR',))
        return len(summaries)

    def check_update_details(self, name, d):
        inst = d.update.instructions
        self.expect(inst is not None, '%s: no instructions' % name)
        involved = set()
        for itc in inst.initialState or []:
            involved.update(ids_of_ranges(itc.instances))
        if inst.desiredState is not None:
            involved.update(ids_of_ranges(inst.desiredState.instances))
        pairs = set()
        for e in d.instanceEvents or []:
            self.expect(e.instanceId in involved,
                        '%s: instance event for %d, outside the instructions %s'
                        % (name, e.instanceId, sorted(involved)))
            pair = (e.instanceId, e.action)
            self.expect(pair not in pairs, '%s: instance %d has action %s twice (§5.4)'
                        % (name, e.instanceId, e.action))
            pairs.add(pair)
        events = d.updateEvents or []
        self.expect(events, '%s: no update events' % name)
        state = d.update.summary.state
        # §4.5 JobUpdateSummary.state is derived from the events.
        self.expect(state.status == events[-1].status,
                    '%s: status %s, last event %s' % (name, state.status, events[-1].status))
        self.expect(state.createdTimestampMs == events[0].timestampMs,
                    '%s: created %s, first event at %s'
                    % (name, state.createdTimestampMs, events[0].timestampMs))
        latest = max([events[-1].timestampMs]
                     + [e.timestampMs for e in d.instanceEvents or []])
        self.expect(state.lastModifiedTimestampMs == latest,
                    '%s: lastModified %s, latest event at %s'
                    % (name, state.lastModifiedTimestampMs, latest))

    def check_populate(self, jobs_all):
        # A configuration read back from the scheduler is already populated: sending it to
        # populateJobConfig returns the same TaskConfig.
        for c in jobs_all:
            task = self.result('populateJobConfig', 'populateJobResult', c).taskConfig
            self.expect(peer.canonical(task) == peer.canonical(c.taskConfig),
                        '%s: populateJobConfig changed a config the scheduler reported'
                        % fmt_key(key_of(c.key)))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--gen', required=True, help='output dir of thrift --gen py')
    p.add_argument('--url', required=True, help='http://127.0.0.1:PORT[/api]')
    p.add_argument('--protocol', choices=('binary', 'json'), required=True)
    opts = p.parse_args(argv)
    url = opts.url.rstrip('/')
    if not url.endswith('/api'):
        url += '/api'
    peer.load_bindings(opts.gen)
    checker = Checker(url, opts.protocol)
    try:
        methods, jobs, tasks, updates = checker.run()
    except CheckFailed as e:
        print('SIM-CHECK FAIL %s' % e, file=sys.stderr)
        return 1
    print('SIM-CHECK ok protocol=%s methods=%d jobs=%d tasks=%d updates=%d diffs=%d' % (
        opts.protocol, methods, jobs, tasks, updates, getattr(checker, 'diffs', 0)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
