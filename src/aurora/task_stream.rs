//! A task-list reply read in two passes over its body, for output that is written as it is
//! decoded (`eos get tasks -o json`): the first pass decodes the envelope and, for each task,
//! only where it lies in the body, its status and its instance id; the second decodes one
//! task at a time, in whatever order the caller wants, and hands it over to be written and
//! dropped. A 100,000-task job then never exists in memory as 100,000 decoded tasks, only as
//! its reply bytes and a small index.

use bytes::Bytes;

use super::model::*;
use super::wire::message::TApplicationException;
use super::wire::{
    BinaryReader, DecodeErrorKind, DecodeResult, JsonReader, MessageHeader, MessageType, Protocol,
    ProtocolReader, TType, Thrift,
};

crate::thrift_struct! {
    /// The two fields of a ScheduledTask the index needs; the rest is skipped unread.
    pub struct TaskPeek {
        1: assigned_task: AssignedTaskPeek,
        2: status: ScheduleStatus,
    }
    pub struct AssignedTaskPeek { 6: instance_id: i32 }
}

/// Where one task lies in the body, and what ordering and grouping need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskEntry {
    pub start: usize,
    pub end: usize,
    pub status: Option<ScheduleStatus>,
    pub instance_id: Option<i32>,
}

/// Everything of a `getTasks*` reply but the tasks themselves.
#[derive(Debug, Default)]
pub struct TaskIndex {
    pub code: Option<ResponseCode>,
    pub server_info: Option<ServerInfo>,
    pub details: Vec<ResponseDetail>,
    /// The result member that was set (3 for a ScheduleStatusResult), if any.
    pub result_member: Option<i16>,
    pub tasks: Vec<TaskEntry>,
}

/// What the first pass found in a reply message.
pub enum Indexed {
    Reply(MessageHeader, TaskIndex),
    Exception(MessageHeader, TApplicationException),
}

/// A task-list reply body with its index.
pub struct TaskBody {
    protocol: Protocol,
    bytes: Bytes,
    pub index: TaskIndex,
}

impl TaskBody {
    pub fn new(protocol: Protocol, bytes: Bytes, index: TaskIndex) -> Self {
        Self {
            protocol,
            bytes,
            index,
        }
    }

    /// Decodes the tasks `entries` names, in that order, handing each to `f`. Identical
    /// TaskConfigs are decoded once and shared, as in a whole-body decode.
    pub fn for_each<'e>(
        &self,
        entries: impl IntoIterator<Item = &'e TaskEntry>,
        mut f: impl FnMut(&ScheduledTask),
    ) -> DecodeResult<()> {
        fn go<'a, 'e, R: ProtocolReader<'a>>(
            mut r: R,
            entries: impl IntoIterator<Item = &'e TaskEntry>,
            f: &mut dyn FnMut(&ScheduledTask),
        ) -> DecodeResult<()> {
            for e in entries {
                let task: ScheduledTask = r.read_span(e.start, e.end)?;
                f(&task);
            }
            Ok(())
        }
        match self.protocol {
            Protocol::Binary => go(BinaryReader::new(&self.bytes), entries, &mut f),
            Protocol::Json => go(JsonReader::new(&self.bytes), entries, &mut f),
        }
    }
}

/// The first pass over a whole reply message.
pub fn index(protocol: Protocol, body: &[u8]) -> DecodeResult<Indexed> {
    match protocol {
        Protocol::Binary => index_with(BinaryReader::new(body), body.len()),
        Protocol::Json => index_with(JsonReader::new(body), body.len()),
    }
}

fn index_with<'a, R: ProtocolReader<'a>>(mut r: R, len: usize) -> DecodeResult<Indexed> {
    let header = r.message_begin()?;
    if header.kind == MessageType::Exception {
        let e = TApplicationException::read(&mut r)?;
        r.message_end()?;
        return Ok(Indexed::Exception(header, e));
    }
    let mut index = TaskIndex::default();
    // The result struct: field 0 is the Response.
    struct_fields(&mut r, |r, ty, id| match (id, ty) {
        (0, TType::Struct) => response(r, &mut index),
        _ => r.skip(ty),
    })?;
    r.message_end()?;
    if r.position() != len {
        return Err(r.error(DecodeErrorKind::TrailingData(len - r.position())));
    }
    Ok(Indexed::Reply(header, index))
}

/// Reads a struct, handing each field to `f`.
fn struct_fields<'a, R: ProtocolReader<'a>>(
    r: &mut R,
    mut f: impl FnMut(&mut R, TType, i16) -> DecodeResult<()>,
) -> DecodeResult<()> {
    r.depth_enter()?;
    r.struct_begin()?;
    while let Some((ty, id)) = r.field_begin()? {
        f(r, ty, id)?;
        r.field_end()?;
    }
    r.struct_end()?;
    r.depth_leave();
    Ok(())
}

fn response<'a, R: ProtocolReader<'a>>(r: &mut R, index: &mut TaskIndex) -> DecodeResult<()> {
    struct_fields(r, |r, ty, id| match (id, ty) {
        (1, TType::I32) => {
            index.code = Some(ResponseCode::read(r)?);
            Ok(())
        }
        (3, TType::Struct) => struct_fields(r, |r, ty, id| {
            index.result_member = Some(id);
            match (id, ty) {
                (3, TType::Struct) => struct_fields(r, |r, ty, id| match (id, ty) {
                    (1, TType::List | TType::Set) => task_list(r, &mut index.tasks),
                    _ => r.skip(ty),
                }),
                _ => r.skip(ty),
            }
        }),
        (5, TType::Struct) => {
            index.server_info = Some(ServerInfo::read(r)?);
            Ok(())
        }
        (6, TType::List) => {
            index.details = Vec::<ResponseDetail>::read(r)?;
            Ok(())
        }
        _ => r.skip(ty),
    })
}

fn task_list<'a, R: ProtocolReader<'a>>(r: &mut R, out: &mut Vec<TaskEntry>) -> DecodeResult<()> {
    r.depth_enter()?;
    let (elem, n) = r.list_begin()?;
    if elem == TType::Struct {
        r.charge(n, std::mem::size_of::<TaskEntry>())?;
        out.reserve_exact(n);
        for _ in 0..n {
            let start = r.mark().pos;
            let peek = TaskPeek::read(r)?;
            out.push(TaskEntry {
                start,
                end: r.position(),
                status: peek.status,
                instance_id: peek.assigned_task.and_then(|a| a.instance_id),
            });
        }
    } else {
        for _ in 0..n {
            r.skip(elem)?;
        }
    }
    r.list_end()?;
    r.depth_leave();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aurora::wire::sample::{Sample, Sampler};

    fn reply(tasks: Vec<ScheduledTask>) -> ResponseResult {
        ResponseResult {
            success: Some(Response {
                response_code: Some(ResponseCode::OK),
                result: Some(ApiResult::ScheduleStatusResult(ScheduleStatusResult {
                    tasks: Some(tasks),
                })),
                server_info: Some(ServerInfo {
                    cluster_name: Some("c".into()),
                    stats_url_prefix: None,
                }),
                details: Some(vec![ResponseDetail {
                    message: Some("hi".into()),
                }]),
            }),
        }
    }

    #[test]
    fn the_two_passes_give_back_every_task_as_a_whole_decode_does() {
        let tasks: Vec<ScheduledTask> = (0..40)
            .map(|s| ScheduledTask::sample(&mut Sampler::new(s)))
            .collect();
        let value = reply(tasks.clone());
        for p in [Protocol::Binary, Protocol::Json] {
            let body = p.encode("getTasksWithoutConfigs", MessageType::Reply, 7, &value);
            let Indexed::Reply(header, index) = index(p, &body).unwrap() else {
                panic!("not a reply")
            };
            assert_eq!(header.seq, 7);
            assert_eq!(index.code, Some(ResponseCode::OK));
            assert_eq!(index.result_member, Some(3));
            assert_eq!(index.details.len(), 1);
            assert_eq!(
                index.server_info.as_ref().unwrap().cluster_name.as_deref(),
                Some("c")
            );
            assert_eq!(index.tasks.len(), tasks.len());
            for (e, t) in index.tasks.iter().zip(&tasks) {
                assert_eq!(e.status, t.status);
                assert_eq!(
                    e.instance_id,
                    t.assigned_task.as_ref().and_then(|a| a.instance_id)
                );
            }
            let body = TaskBody::new(p, Bytes::from(body), index);
            // In reverse, to show the order is the caller's.
            let mut got = Vec::new();
            body.for_each(body.index.tasks.iter().rev(), |t| got.push(t.clone()))
                .unwrap();
            got.reverse();
            assert_eq!(got, tasks, "{p:?}");
        }
    }

    #[test]
    fn a_truncated_body_is_an_error_not_a_panic() {
        let value = reply(
            (0..5)
                .map(|s| ScheduledTask::sample(&mut Sampler::new(s)))
                .collect(),
        );
        for p in [Protocol::Binary, Protocol::Json] {
            let body = p.encode("getTasksWithoutConfigs", MessageType::Reply, 1, &value);
            for cut in [1, body.len() / 3, body.len() / 2, body.len() - 1] {
                assert!(index(p, &body[..cut]).is_err(), "{p:?} cut at {cut}");
            }
        }
    }
}
