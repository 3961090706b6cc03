#!/usr/bin/python3
"""Eos reference peer: a fake Aurora scheduler and codec helper built on
Apache Thrift's own Python library (python3-thrift 0.17).

It exists so the Rust codec and HTTP client of Eos can be checked against an
independent Thrift implementation. Run it with the Debian interpreter, after
generating bindings from tests/peer/eos.thrift:

    TMP=$(mktemp -d)
    thrift --gen py -out "$TMP" tests/peer/eos.thrift
    /usr/bin/python3 tests/peer/peer.py --gen "$TMP" serve --port 0

Subcommands: serve, echo, decode-bench, encode-big, job-status (see README.md).
"""

import argparse
import gzip
import json
import os
import signal
import statistics
import struct
import sys
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Bindings are imported in load_bindings() once --gen is known.
T = None            # eos_peer.ttypes
AuroraPeer = None   # eos_peer.AuroraPeer

from thrift.Thrift import TApplicationException, TMessageType
from thrift.protocol import TBinaryProtocol, TJSONProtocol
from thrift.transport import TTransport


# --------------------------------------------------------------------------
# bindings

def load_bindings(gen_dir):
    global T, AuroraPeer
    sys.path.insert(0, os.path.abspath(gen_dir))
    from eos_peer import ttypes as _ttypes
    from eos_peer import AuroraPeer as _service
    T = _ttypes
    AuroraPeer = _service
    # python3-thrift generates structs with __eq__ but no __hash__, which makes
    # them unhashable on Python 3; decoding any set<struct> (TaskConfig.resources,
    # JobSummaryResult.summaries, ...) then fails with "unhashable type". Give
    # every generated class identity hashing (what Python 2 did), so sets keep
    # every element that was on the wire.
    for module in (_ttypes, _service):
        for value in list(vars(module).values()):
            if isinstance(value, type) and hasattr(value, 'thrift_spec') \
                    and value.__hash__ is None:
                value.__hash__ = object.__hash__
        # The pure-Python readers build sets with the builtin name `set`;
        # shadow it in the generated modules so decoded sets keep wire order
        # (and duplicates). Re-encoding then reproduces the input bytes. The C
        # decoder (fastbinary) still builds real Python sets.
        module.set = WireOrderSet


class WireOrderSet(list):
    """Stand-in for set() inside generated readers: a list with add()."""

    def add(self, item):
        self.append(item)


def make_protocol(kind, trans, accelerated=True):
    if kind == 'binary':
        if not accelerated:
            return TBinaryProtocol.TBinaryProtocol(trans)
        return TBinaryProtocol.TBinaryProtocolAccelerated(trans)
    if kind == 'json':
        return TJSONProtocol.TJSONProtocol(trans)
    raise ValueError('unknown protocol %r' % kind)


# --------------------------------------------------------------------------
# canonical plain form

def _json_text(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'))


def to_plain(value):
    """Generated Thrift value -> JSON-able value.

    Structs/unions become dicts of their set (non-None) fields by field name;
    lists and sets become lists sorted by their JSON text; enums are already
    plain ints in python3-thrift 0.17 (int() also covers IntEnum variants).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode('utf-8', 'replace')
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted((to_plain(v) for v in value), key=_json_text)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            pk = to_plain(k)
            out[pk if isinstance(pk, str) else _json_text(pk)] = to_plain(v)
        return out
    spec = getattr(value, 'thrift_spec', None)
    if spec is not None:
        out = {}
        for entry in spec:
            if entry is None:
                continue
            name = entry[2]
            field = getattr(value, name, None)
            if field is not None:
                out[name] = to_plain(field)
        return out
    raise TypeError('cannot make %r plain' % (value,))


def canonical(value):
    return _json_text(to_plain(value))


# --------------------------------------------------------------------------
# fixture

CLUSTER = 'peer'
T0 = 1700000000000


def hello_key():
    return T.JobKey(role='www-data', environment='prod', name='hello')


def cron_key():
    return T.JobKey(role='www-data', environment='devel', name='nightly')


def owner():
    return T.Identity(user='www-data')


def cfg(job=None, is_service=True, priority=0, executor_data=True):
    """TaskConfig CFG. executor_data=False leaves ExecutorConfig.data unset."""
    return T.TaskConfig(
        isService=is_service,
        priority=priority,
        maxTaskFailures=1,
        owner=owner(),
        production=True,
        constraints=[T.Constraint(
            name='rack',
            constraint=T.TaskConstraint(limit=T.LimitConstraint(limit=1)))],
        contactEmail='oncall@example.com',
        executorConfig=T.ExecutorConfig(
            name='AuroraExecutor',
            data='{"task":"hello"}' if executor_data else None),
        metadata=[T.Metadata(key='team', value='web')],
        job=job if job is not None else hello_key(),
        container=T.Container(mesos=T.MesosContainer()),
        tier='preferred',
        resources=[T.Resource(numCpus=0.5), T.Resource(ramMb=128),
                   T.Resource(diskMb=256), T.Resource(namedPort='http')],
    )


def hello_task(i, executor_data=True):
    failed = (i == 2)
    S = T.ScheduleStatus
    events = [
        T.TaskEvent(timestamp=T0, status=S.PENDING, scheduler='sched-1'),
        T.TaskEvent(timestamp=T0 + 1000, status=S.ASSIGNED, scheduler='sched-1'),
        T.TaskEvent(timestamp=T0 + 2000, status=S.STARTING,
                    message='Initializing sandbox.', scheduler='sched-1'),
    ]
    if failed:
        events.append(T.TaskEvent(timestamp=T0 + 3000, status=S.FAILED,
                                  message='Process exited with 1',
                                  scheduler='sched-1'))
    else:
        events.append(T.TaskEvent(timestamp=T0 + 3000, status=S.RUNNING,
                                  scheduler='sched-1'))
    return T.ScheduledTask(
        assignedTask=T.AssignedTask(
            taskId='www-data-prod-hello-%d-0000' % i,
            slaveId='agent-%d' % i,
            slaveHost='host-%d.example' % i,
            task=cfg(executor_data=executor_data),
            assignedPorts={'http': 31000 + i},
            instanceId=i),
        status=S.FAILED if failed else S.RUNNING,
        failureCount=i,
        taskEvents=events,
        ancestorId='www-data-prod-hello-2-prev' if failed else None,
    )


def hello_job_config():
    return T.JobConfiguration(
        taskConfig=cfg(), owner=owner(), instanceCount=3, key=hello_key())


def cron_job_config():
    return T.JobConfiguration(
        cronSchedule='0 2 * * *',
        cronCollisionPolicy=T.CronCollisionPolicy.CANCEL_NEW,
        taskConfig=cfg(job=cron_key(), is_service=False),
        owner=owner(), instanceCount=1, key=cron_key())


def update_summary():
    return T.JobUpdateSummary(
        user='alice',
        state=T.JobUpdateState(status=T.JobUpdateStatus.ROLLING_FORWARD,
                               createdTimestampMs=T0,
                               lastModifiedTimestampMs=T0 + 60000),
        key=T.JobUpdateKey(job=hello_key(), id='upd-1'),
        metadata=[T.Metadata(key='org.apache.aurora.client.update_id',
                             value='upd-1')],
    )


def update_details():
    A = T.JobUpdateAction
    return T.JobUpdateDetails(
        update=T.JobUpdate(
            summary=update_summary(),
            instructions=T.JobUpdateInstructions(
                initialState=[T.InstanceTaskConfig(
                    task=cfg(), instances=[T.Range(first=0, last=2)])],
                desiredState=T.InstanceTaskConfig(
                    task=cfg(priority=1), instances=[T.Range(first=0, last=2)]),
                settings=T.JobUpdateSettings(
                    updateGroupSize=2,
                    maxPerInstanceFailures=1,
                    maxFailedInstances=1,
                    minWaitInInstanceRunningMs=45000,
                    rollbackOnFailure=True,
                    waitForBatchCompletion=False,
                    blockIfNoPulsesAfterMs=60000,
                    updateStrategy=T.JobUpdateStrategy(
                        queueStrategy=T.QueueJobUpdateStrategy(groupSize=2))),
            )),
        updateEvents=[T.JobUpdateEvent(
            status=T.JobUpdateStatus.ROLLING_FORWARD, timestampMs=T0,
            user='alice', message='deploy')],
        instanceEvents=[
            T.JobInstanceUpdateEvent(instanceId=0, timestampMs=T0 + 10000,
                                     action=A.INSTANCE_UPDATING),
            T.JobInstanceUpdateEvent(instanceId=0, timestampMs=T0 + 50000,
                                     action=A.INSTANCE_UPDATED),
            T.JobInstanceUpdateEvent(instanceId=1, timestampMs=T0 + 60000,
                                     action=A.INSTANCE_UPDATING),
        ],
    )


def aggregate(cpus, ram, disk):
    return T.ResourceAggregate(resources=[
        T.Resource(numCpus=cpus), T.Resource(ramMb=ram), T.Resource(diskMb=disk)])


def _matches(task, query):
    if query is None:
        return True
    a = task.assignedTask
    job = a.task.job
    if query.role is not None and query.role.strip() and query.role != job.role:
        return False
    if query.environment is not None and query.environment != job.environment:
        return False
    if query.jobName is not None and query.jobName != job.name:
        return False
    if query.statuses and task.status not in query.statuses:
        return False
    if query.instanceIds and a.instanceId not in query.instanceIds:
        return False
    if query.taskIds and a.taskId not in query.taskIds:
        return False
    if query.slaveHosts and a.slaveHost not in query.slaveHosts:
        return False
    if query.jobKeys and not any(
            (k.role, k.environment, k.name) == (job.role, job.environment, job.name)
            for k in query.jobKeys):
        return False
    return True


def select_tasks(query, executor_data):
    tasks = [hello_task(i, executor_data) for i in range(3)]
    tasks = [t for t in tasks if _matches(t, query)]
    if query is not None:
        if query.offset:
            tasks = tasks[query.offset:]
        if query.limit:
            tasks = tasks[:query.limit]
    return tasks


# --------------------------------------------------------------------------
# handler

def response(code=None, result=None, details=()):
    return T.Response(
        responseCode=T.ResponseCode.OK if code is None else code,
        result=result,
        serverInfo=T.ServerInfo(clusterName=CLUSTER, statsUrlPrefix=''),
        details=[T.ResponseDetail(message=m) for m in details])


class PeerHandler(object):
    """Implements AuroraPeer.Iface with the deterministic fixture."""

    # ---- helpers
    def _echo(self, method, result=None, **args):
        plain = canonical(getattr(AuroraPeer, method + '_args')(**args))
        return response(result=result, details=[plain])

    # ---- 3.1 read-only
    def getRoleSummary(self):
        return response(result=T.Result(roleSummaryResult=T.RoleSummaryResult(
            summaries=[T.RoleSummary(role='www-data', jobCount=2, cronJobCount=1),
                       T.RoleSummary(role='payments', jobCount=1, cronJobCount=0)])))

    def getJobSummary(self, role):
        if role == 'error':
            return response(code=T.ResponseCode.ERROR, details=['boom'])
        summaries = []
        if role is None or role == 'www-data':
            summaries = [
                T.JobSummary(job=hello_job_config(),
                             stats=T.JobStats(activeTaskCount=2, finishedTaskCount=0,
                                              failedTaskCount=1, pendingTaskCount=0)),
                T.JobSummary(job=cron_job_config(),
                             stats=T.JobStats(activeTaskCount=0, finishedTaskCount=0,
                                              failedTaskCount=0, pendingTaskCount=0),
                             nextCronRunMs=1764000000000),
            ]
        return response(result=T.Result(
            jobSummaryResult=T.JobSummaryResult(summaries=summaries)))

    def getTasksStatus(self, query):
        return response(result=T.Result(scheduleStatusResult=T.ScheduleStatusResult(
            tasks=select_tasks(query, executor_data=True))))

    def getTasksWithoutConfigs(self, query):
        return response(result=T.Result(scheduleStatusResult=T.ScheduleStatusResult(
            tasks=select_tasks(query, executor_data=False))))

    def getPendingReason(self, query):
        if query is not None and query.statuses is not None:
            return response(code=T.ResponseCode.INVALID_REQUEST,
                            details=['Statuses is not supported in getPendingReason'])
        return response(result=T.Result(getPendingReasonResult=T.GetPendingReasonResult(
            reasons=[T.PendingReason(taskId='www-data-prod-hello-3-pend',
                                     reason='Insufficient: CPU')])))

    def getConfigSummary(self, job):
        return response(result=T.Result(configSummaryResult=T.ConfigSummaryResult(
            summary=T.ConfigSummary(key=job, groups=[
                T.ConfigGroup(config=cfg(), instances=[T.Range(first=0, last=1)])]))))

    def getJobs(self, ownerRole):
        configs = []
        if ownerRole is None or ownerRole == 'www-data':
            configs = [hello_job_config(), cron_job_config()]
        return response(result=T.Result(getJobsResult=T.GetJobsResult(configs=configs)))

    def getQuota(self, ownerRole):
        return response(result=T.Result(getQuotaResult=T.GetQuotaResult(
            quota=aggregate(10.0, 20480, 40960),
            prodSharedConsumption=aggregate(1.0, 256, 512),
            nonProdSharedConsumption=aggregate(0.0, 0, 0),
            prodDedicatedConsumption=aggregate(0.0, 0, 0),
            nonProdDedicatedConsumption=aggregate(0.0, 0, 0))))

    def populateJobConfig(self, description):
        task = description.taskConfig if description is not None else None
        return self._echo('populateJobConfig',
                          result=T.Result(populateJobResult=T.PopulateJobResult(
                              taskConfig=task)),
                          description=description)

    def getJobUpdateSummaries(self, jobUpdateQuery):
        q = jobUpdateQuery
        summaries = [update_summary()]
        if q is not None and q.role is not None and q.role != 'www-data':
            summaries = []
        return response(result=T.Result(
            getJobUpdateSummariesResult=T.GetJobUpdateSummariesResult(
                updateSummaries=summaries)))

    def getJobUpdateDetails(self, key, query):
        if query is not None:
            return response(result=T.Result(
                getJobUpdateDetailsResult=T.GetJobUpdateDetailsResult(
                    detailsList=[update_details()])))
        if key is not None:
            return response(
                result=T.Result(getJobUpdateDetailsResult=T.GetJobUpdateDetailsResult(
                    details=update_details())),
                details=['getJobUpdateDetails(key) is deprecated'])
        return response(code=T.ResponseCode.ERROR,
                        details=['getJobUpdateDetails needs a key or a query'])

    def getJobUpdateDiff(self, request):
        n = request.instanceCount if request is not None else None
        update = []
        if n is not None and n > 0:
            update = [T.ConfigGroup(config=cfg(), instances=[T.Range(first=0, last=n - 1)])]
        return response(result=T.Result(getJobUpdateDiffResult=T.GetJobUpdateDiffResult(
            add=[], remove=[], update=update, unchanged=[])))

    def getTierConfigs(self):
        def tier(name, preemptible, revocable):
            return T.TierConfig(name=name, settings={'preemptible': preemptible,
                                                     'revocable': revocable})
        return response(result=T.Result(getTierConfigResult=T.GetTierConfigResult(
            defaultTierName='preemptible',
            tiers=[tier('preferred', 'false', 'false'),
                   tier('preemptible', 'true', 'false'),
                   tier('revocable', 'true', 'true')])))

    # ---- 3.2 mutating: echo the decoded arguments
    def createJob(self, description):
        return self._echo('createJob', description=description)

    def scheduleCronJob(self, description):
        return self._echo('scheduleCronJob', description=description)

    def descheduleCronJob(self, job):
        return self._echo('descheduleCronJob', job=job)

    def startCronJob(self, job):
        return self._echo('startCronJob', job=job)

    def replaceCronTemplate(self, config):
        return self._echo('replaceCronTemplate', config=config)

    def restartShards(self, job, shardIds):
        return self._echo('restartShards', job=job, shardIds=shardIds)

    def killTasks(self, job, instances, message):
        return self._echo('killTasks', job=job, instances=instances, message=message)

    def addInstances(self, key, count):
        return self._echo('addInstances', key=key, count=count)

    def startJobUpdate(self, request, message):
        job = None
        if request is not None and request.taskConfig is not None:
            job = request.taskConfig.job
        result = T.Result(startJobUpdateResult=T.StartJobUpdateResult(
            key=T.JobUpdateKey(job=job, id='upd-new')))
        return self._echo('startJobUpdate', result=result,
                          request=request, message=message)

    def pauseJobUpdate(self, key, message):
        return self._echo('pauseJobUpdate', key=key, message=message)

    def resumeJobUpdate(self, key, message):
        return self._echo('resumeJobUpdate', key=key, message=message)

    def abortJobUpdate(self, key, message):
        return self._echo('abortJobUpdate', key=key, message=message)

    def rollbackJobUpdate(self, key, message):
        return self._echo('rollbackJobUpdate', key=key, message=message)

    def pulseJobUpdate(self, key):
        result = T.Result(pulseJobUpdateResult=T.PulseJobUpdateResult(
            status=T.JobUpdatePulseStatus.OK))
        return self._echo('pulseJobUpdate', result=result, key=key)

    # ---- 3.3 maintenance: echo, plus one HostStatus per named host
    def _maintenance(self, method, member, wrapper, mode, hosts):
        names = sorted(hosts.hostNames) if hosts is not None and hosts.hostNames else []
        statuses = [T.HostStatus(host=h, mode=mode) for h in names]
        result = T.Result(**{member: wrapper(statuses=statuses)})
        return self._echo(method, result=result, hosts=hosts)

    def maintenanceStatus(self, hosts):
        return self._maintenance('maintenanceStatus', 'maintenanceStatusResult',
                                 T.MaintenanceStatusResult, T.MaintenanceMode.NONE, hosts)

    def startMaintenance(self, hosts):
        return self._maintenance('startMaintenance', 'startMaintenanceResult',
                                 T.StartMaintenanceResult, T.MaintenanceMode.SCHEDULED,
                                 hosts)

    def drainHosts(self, hosts):
        return self._maintenance('drainHosts', 'drainHostsResult',
                                 T.DrainHostsResult, T.MaintenanceMode.DRAINED, hosts)

    def endMaintenance(self, hosts):
        return self._maintenance('endMaintenance', 'endMaintenanceResult',
                                 T.EndMaintenanceResult, T.MaintenanceMode.NONE, hosts)


# --------------------------------------------------------------------------
# HTTP content negotiation (aurora-api.md 1.2 / 1.3)

BINARY_TYPE = 'application/vnd.apache.thrift.binary'
JSON_REPLY_TYPE = 'application/vnd.apache.thrift.json'
_NO_PARAMS = frozenset()
_REQUEST_TABLE = {
    ('application/x-thrift', _NO_PARAMS): 'json',
    ('application/json', _NO_PARAMS): 'json',
    ('application/vnd.apache.thrift.json', _NO_PARAMS): 'json',
    ('application/vnd.apache.thrift.json', frozenset([('charset', 'utf-8')])): 'json',
    (BINARY_TYPE, _NO_PARAMS): 'binary',
}


def parse_media_type(value):
    parts = value.split(';')
    mtype = parts[0].strip().lower()
    if mtype.count('/') != 1 or any(c.isspace() for c in mtype):
        return None
    params = set()
    for part in parts[1:]:
        part = part.strip()
        if '=' not in part:
            return None
        name, val = part.split('=', 1)
        name = name.strip().lower()
        val = val.strip()
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1]
        if name == 'charset':
            val = val.lower()
        params.add((name, val))
    return mtype, frozenset(params)


def request_protocol(content_type):
    """'binary', 'json', or None (= 415)."""
    if content_type is None:
        return 'json'
    parsed = parse_media_type(content_type)
    if parsed is None:
        return None
    return _REQUEST_TABLE.get(parsed)


def reply_protocol(accept):
    if accept is not None and accept.strip().lower() == BINARY_TYPE:
        return 'binary'
    return 'json'


class BadEnvelope(Exception):
    pass


def strict_binary_header(body):
    """Rewrite an old non-strict TBinary message header into the strict form.

    The scheduler reads both forms (aurora-api.md 2.2). python3-thrift 0.17 reads
    a non-strict header too, but it returns the method name as bytes, so its
    Processor cannot find the method and then fails while writing the error
    reply. Converting the header up front avoids that bug.
    """
    if len(body) < 4:
        return body
    size = struct.unpack('>i', body[:4])[0]
    if size < 0 or len(body) < 4 + size + 5:
        return body
    name = body[4:4 + size]
    mtype = body[4 + size]
    seqid = body[5 + size:9 + size]
    return (struct.pack('>I', 0x80010000 | mtype) + struct.pack('>i', size) + name
            + seqid + body[9 + size:])


def process_call(processor, body, in_kind, out_kind):
    if in_kind == 'binary':
        body = strict_binary_header(body)
    try:
        name, _mtype, seqid = make_protocol(
            in_kind, TTransport.TMemoryBuffer(body)).readMessageBegin()
    except Exception as e:
        raise BadEnvelope('cannot read message envelope: %s' % e)
    otrans = TTransport.TMemoryBuffer()
    try:
        processor.process(make_protocol(in_kind, TTransport.TMemoryBuffer(body)),
                          make_protocol(out_kind, otrans))
    except Exception as e:
        if in_kind != 'binary':
            # like the scheduler: a TJSON args struct that fails to decode
            # surfaces as an HTTP 500
            raise BadEnvelope('cannot decode arguments: %s' % e)
        if isinstance(name, bytes):
            name = name.decode('utf-8', 'replace')
        try:
            otrans = TTransport.TMemoryBuffer()
            oprot = make_protocol(out_kind, otrans)
            oprot.writeMessageBegin(name, TMessageType.EXCEPTION, seqid)
            TApplicationException(TApplicationException.PROTOCOL_ERROR, str(e)).write(oprot)
            oprot.writeMessageEnd()
        except Exception as e2:
            raise BadEnvelope('cannot process call: %s / %s' % (e, e2))
    return otrans.getvalue()


def accepts_gzip(header):
    """True when Accept-Encoding lists gzip with a non-zero q (the scheduler's
    Jetty GzipHandler compresses /api replies for such clients)."""
    for token in header.split(','):
        parts = [p.strip().lower() for p in token.split(';')]
        if parts[0] != 'gzip':
            continue
        q = 1.0
        for p in parts[1:]:
            if p.startswith('q='):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        return q > 0
    return False


class ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'EosPeer/1'
    processor = None
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write('peer: ' + (fmt % args) + '\n')

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b''.join(chunks)
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length > 0 else b''

    def _send(self, status, ctype, body):
        gzip_ok = accepts_gzip(self.headers.get('Accept-Encoding') or '')
        self.send_response(status)
        if ctype:
            self.send_header('Content-Type', ctype)
        if gzip_ok and status == 200 and len(body) > 0:
            body = gzip.compress(body)
            self.send_header('Content-Encoding', 'gzip')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self._read_body()
        if self.path.split('?', 1)[0] != '/api':
            self._send(404, 'text/plain', b'Not found: ' + self.path.encode('utf-8', 'replace'))
            return
        content_type = self.headers.get('Content-Type')
        in_kind = request_protocol(content_type)
        if in_kind is None:
            self._send(415, 'text/plain',
                       ('Unsupported Content-Type: %s' % content_type).encode('utf-8'))
            return
        out_kind = reply_protocol(self.headers.get('Accept'))
        try:
            reply = process_call(self.processor, body, in_kind, out_kind)
        except BadEnvelope as e:
            self._send(500, 'text/plain', str(e).encode('utf-8', 'replace'))
            return
        self._send(200, BINARY_TYPE if out_kind == 'binary' else JSON_REPLY_TYPE, reply)


def cmd_serve(opts):
    ApiRequestHandler.processor = AuroraPeer.Processor(PeerHandler())
    ApiRequestHandler.verbose = opts.verbose
    server = ThreadingHTTPServer(('127.0.0.1', opts.port), ApiRequestHandler)
    server.daemon_threads = True

    def stop(_signum, _frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write('LISTENING %d\n' % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.server_close()
    return 0


# --------------------------------------------------------------------------
# echo

def lookup_type(name):
    for module in (T, AuroraPeer):
        cls = getattr(module, name, None)
        if isinstance(cls, type) and hasattr(cls, 'thrift_spec'):
            return cls
    raise SystemExit('unknown struct type: %s' % name)


def cmd_echo(opts):
    cls = lookup_type(opts.type)
    with open(opts.input, 'rb') as f:
        data = f.read()
    value = cls()
    # pure-Python reader: decoded sets keep wire order (see WireOrderSet)
    value.read(make_protocol(opts.protocol, TTransport.TMemoryBuffer(data),
                             accelerated=False))
    with open(opts.output, 'w', encoding='utf-8') as f:
        f.write(canonical(value))
    otrans = TTransport.TMemoryBuffer()
    value.write(make_protocol(opts.protocol, otrans))
    with open(opts.output + '.bin', 'wb') as f:
        f.write(otrans.getvalue())
    return 0


# --------------------------------------------------------------------------
# decode-bench / encode-big

def cmd_decode_bench(opts):
    with open(opts.file, 'rb') as f:
        data = f.read()
    if opts.protocol == 'binary':
        from thrift.protocol import fastbinary  # noqa: F401  (must be importable)
    times = []
    count = None
    for _ in range(max(1, opts.repeat)):
        start = time.perf_counter()
        trans = TTransport.TMemoryBuffer(data)
        if opts.protocol == 'binary':
            prot = TBinaryProtocol.TBinaryProtocolAccelerated(trans, fallback=False)
            assert prot._fast_decode is not None, 'fastbinary not in use'
            assert isinstance(trans, TTransport.CReadableTransport)
        else:
            prot = TJSONProtocol.TJSONProtocol(trans)
        name, mtype, _seqid = prot.readMessageBegin()
        result = AuroraPeer.getTasksWithoutConfigs_result()
        result.read(prot)
        prot.readMessageEnd()
        times.append(time.perf_counter() - start)
        if count is None:
            if name != 'getTasksWithoutConfigs' or mtype != TMessageType.REPLY:
                raise SystemExit('not a getTasksWithoutConfigs REPLY: %r %r' % (name, mtype))
            count = len(result.success.result.scheduleStatusResult.tasks)
    print('DECODE %s tasks=%d best_ms=%.3f mean_ms=%.3f' % (
        opts.protocol, count, min(times) * 1000.0, statistics.mean(times) * 1000.0))
    return 0


def big_task(i, config):
    S = T.ScheduleStatus
    return T.ScheduledTask(
        assignedTask=T.AssignedTask(
            taskId='www-data-prod-hello-%d-0000' % i,
            slaveId='agent-%d' % i,
            slaveHost='host-%d.example' % i,
            task=config,
            assignedPorts={'http': 31000 + i},
            instanceId=i),
        status=S.RUNNING,
        failureCount=0,
        taskEvents=[
            T.TaskEvent(timestamp=T0, status=S.PENDING,
                        message='Added to the pending queue.', scheduler='sched-1'),
            T.TaskEvent(timestamp=T0 + 1000, status=S.ASSIGNED,
                        message='Assigned to agent-%d.' % i, scheduler='sched-1'),
            T.TaskEvent(timestamp=T0 + 2000, status=S.STARTING,
                        message='Initializing sandbox.', scheduler='sched-1'),
            T.TaskEvent(timestamp=T0 + 3000, status=S.RUNNING,
                        message='Task is running.', scheduler='sched-1'),
        ],
    )


def cmd_encode_big(opts):
    config = cfg(executor_data=False)
    tasks = [big_task(i, config) for i in range(opts.tasks)]
    result = AuroraPeer.getTasksWithoutConfigs_result(success=response(
        result=T.Result(scheduleStatusResult=T.ScheduleStatusResult(tasks=tasks))))
    otrans = TTransport.TMemoryBuffer()
    oprot = make_protocol(opts.protocol, otrans)
    oprot.writeMessageBegin('getTasksWithoutConfigs', TMessageType.REPLY, 1)
    result.write(oprot)
    oprot.writeMessageEnd()
    data = otrans.getvalue()
    with open(opts.output, 'wb') as f:
        f.write(data)
    print('WROTE %d' % len(data))
    return 0


# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# job-status: `aurora job status --write-json` done the aurora CLI's way

ACTIVE_STATES = None  # filled from the IDL on first use


def render_task_json(scheduled_task):
    """The aurora CLI's StatusCommand.render_tasks_json for one task: TSimpleJSON, then the
    status fields as ScheduleStatus names and isService/production as booleans."""
    from thrift.TSerialization import serialize
    # strict=False: TSimpleJSON writes control characters raw, which the CLI's json.loads
    # would refuse; the values are the same either way.
    task = json.loads(serialize(
        scheduled_task, protocol_factory=TJSONProtocol.TSimpleJSONProtocolFactory()),
        strict=False)
    names = T.ScheduleStatus._VALUES_TO_NAMES
    task['status'] = names[task['status']]
    # The CLI sorts a copy of the events; the task keeps the scheduler's order.
    for event in sorted(task['taskEvents'], key=lambda event: event['timestamp']):
        event['status'] = names[event['status']]
    task_config = task['assignedTask']['task']
    task_config['isService'] = (task_config['isService'] != 0)
    if 'production' in task_config:
        task_config['production'] = (task_config['production'] != 0)
    return task


def cmd_job_status(opts):
    """Reads a getTasksWithoutConfigs REPLY (from --file, or POSTed to --url as the aurora CLI
    would) with the C-accelerated TBinary reader or TJSON, and prints what
    `aurora job status CLUSTER/ROLE/ENV/NAME --write-json` prints for it."""
    if opts.url:
        import urllib.request
        trans = TTransport.TMemoryBuffer()
        prot = make_protocol(opts.protocol, trans)
        prot.writeMessageBegin('getTasksWithoutConfigs', TMessageType.CALL, 0)
        role, env, name = opts.job.split('/')[1:]
        args = AuroraPeer.getTasksWithoutConfigs_args(query=T.TaskQuery(
            jobKeys=[T.JobKey(role=role, environment=env, name=name)]))
        args.write(prot)
        prot.writeMessageEnd()
        ctype = BINARY_TYPE if opts.protocol == 'binary' else JSON_REPLY_TYPE
        req = urllib.request.Request(opts.url, data=trans.getvalue(), method='POST',
                                     headers={'Content-Type': ctype, 'Accept': ctype})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req) as resp:
            data = resp.read()
    else:
        with open(opts.file, 'rb') as f:
            data = f.read()
    trans = TTransport.TMemoryBuffer(data)
    prot = make_protocol(opts.protocol, trans)
    prot.readMessageBegin()
    result = AuroraPeer.getTasksWithoutConfigs_result()
    result.read(prot)
    prot.readMessageEnd()
    del data, trans, prot
    tasks = result.success.result.scheduleStatusResult.tasks
    active_states = set(T.ScheduleStatus._NAMES_TO_VALUES[n] for n in (
        'ASSIGNED', 'DRAINING', 'KILLING', 'PENDING', 'PREEMPTING', 'RESTARTING', 'RUNNING',
        'STARTING', 'PARTITIONED', 'THROTTLED'))
    if not tasks:
        print(json.dumps({'jobspec': opts.job, 'error': 'No matching jobs found'},
                         separators=[',', ':'], sort_keys=False))
        return 0
    active = sorted([t for t in tasks if t.status in active_states],
                    key=lambda task: task.assignedTask.instanceId)
    inactive = sorted([t for t in tasks if t.status not in active_states],
                      key=lambda task: task.assignedTask.instanceId)
    result = [{'job': opts.job,
               'active': [render_task_json(t) for t in active],
               'inactive': [render_task_json(t) for t in inactive]}]
    sys.stdout.write(json.dumps(result, indent=2, separators=[',', ': '], sort_keys=False))
    sys.stdout.write('\n')
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog='peer.py', description=__doc__.split('\n')[0])
    parser.add_argument('--gen', required=True,
                        help='directory given to `thrift --gen py -out DIR eos.thrift`')
    sub = parser.add_subparsers(dest='cmd', required=True)

    p = sub.add_parser('serve', help='fake scheduler on 127.0.0.1, POST /api')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--verbose', action='store_true', help='log requests to stderr')
    p.set_defaults(fn=cmd_serve)

    p = sub.add_parser('echo', help='decode one struct, write canonical JSON + re-encoding')
    p.add_argument('--protocol', choices=('binary', 'json'), required=True)
    p.add_argument('--type', required=True, help='struct name, e.g. TaskConfig or killTasks_args')
    p.add_argument('input')
    p.add_argument('output')
    p.set_defaults(fn=cmd_echo)

    p = sub.add_parser('decode-bench', help='time decoding a getTasksWithoutConfigs REPLY')
    p.add_argument('--protocol', choices=('binary', 'json'), required=True)
    p.add_argument('file')
    p.add_argument('--repeat', type=int, default=10)
    p.set_defaults(fn=cmd_decode_bench)

    p = sub.add_parser('encode-big', help='write a big getTasksWithoutConfigs REPLY')
    p.add_argument('--protocol', choices=('binary', 'json'), required=True)
    p.add_argument('--tasks', type=int, required=True)
    p.add_argument('output')
    p.set_defaults(fn=cmd_encode_big)

    p = sub.add_parser('job-status', help='aurora job status --write-json for a REPLY')
    p.add_argument('--protocol', choices=('binary', 'json'), required=True)
    p.add_argument('--job', required=True, help='CLUSTER/ROLE/ENV/NAME')
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--file')
    src.add_argument('--url', help='POST the call here (a scheduler\'s /api)')
    p.set_defaults(fn=cmd_job_status)

    opts = parser.parse_args(argv)
    load_bindings(opts.gen)
    return opts.fn(opts)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
