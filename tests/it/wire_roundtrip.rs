//! Every model type survives a round trip through both encodings (random values from
//! `Sample`, seeds chosen by proptest), and both decoders survive arbitrary bytes.

use eos::aurora::model::*;
use eos::aurora::wire::sample::{Sample, Sampler};
use eos::aurora::wire::{Protocol, Thrift};
use proptest::prelude::*;

/// value -> bytes -> value -> bytes: the bytes must agree (this also covers NaN-free doubles,
/// since the sampler produces none, so the values must be equal too).
fn roundtrip<T: Thrift + Sample + PartialEq + std::fmt::Debug>(seed: u64) {
    let v = T::sample(&mut Sampler::new(seed));
    for p in [Protocol::Binary, Protocol::Json] {
        let bytes = p.encode_value(&v);
        let back: T = p.decode_value(&bytes).unwrap_or_else(|e| {
            panic!(
                "{p:?} {}: {e}\n{}",
                std::any::type_name::<T>(),
                String::from_utf8_lossy(&bytes)
            )
        });
        assert_eq!(back, v, "{p:?} {}", std::any::type_name::<T>());
        assert_eq!(p.encode_value(&back), bytes);
    }
}

macro_rules! all_types {
    ($($t:ty),* $(,)?) => {
        fn roundtrip_all(seed: u64) {
            $( roundtrip::<$t>(seed); )*
        }
    };
}

all_types!(
    Response,
    ResponseDetail,
    ServerInfo,
    ApiResult,
    PopulateJobResult,
    ScheduleStatusResult,
    GetJobsResult,
    RoleSummaryResult,
    JobSummaryResult,
    ConfigSummaryResult,
    GetPendingReasonResult,
    GetJobUpdateSummariesResult,
    PulseJobUpdateResult,
    MaintenanceStatusResult,
    StartMaintenanceResult,
    DrainHostsResult,
    EndMaintenanceResult,
    ListBackupsResult,
    QueryRecoveryResult,
    GetQuotaResult,
    StartJobUpdateResult,
    GetJobUpdateDetailsResult,
    GetJobUpdateDiffResult,
    GetTierConfigResult,
    TierConfig,
    JobKey,
    InstanceKey,
    JobUpdateKey,
    Identity,
    Range,
    Hosts,
    HostStatus,
    TaskQuery,
    JobUpdateQuery,
    ScheduledTask,
    AssignedTask,
    TaskEvent,
    TaskConfig,
    Resource,
    ResourceAggregate,
    Constraint,
    TaskConstraint,
    ValueConstraint,
    LimitConstraint,
    Metadata,
    ExecutorConfig,
    MesosFetcherUri,
    Container,
    MesosContainer,
    DockerContainer,
    DockerParameter,
    Image,
    DockerImage,
    AppcImage,
    Volume,
    PartitionPolicy,
    SlaPolicy,
    PercentageSlaPolicy,
    CountSlaPolicy,
    CoordinatorSlaPolicy,
    JobConfiguration,
    JobSummary,
    JobStats,
    RoleSummary,
    ConfigSummary,
    ConfigGroup,
    PendingReason,
    JobUpdateSummary,
    JobUpdateState,
    JobUpdateDetails,
    JobUpdate,
    JobUpdateInstructions,
    InstanceTaskConfig,
    JobUpdateSettings,
    JobUpdateStrategy,
    QueueJobUpdateStrategy,
    BatchJobUpdateStrategy,
    VariableBatchJobUpdateStrategy,
    JobUpdateEvent,
    JobInstanceUpdateEvent,
    JobUpdateRequest,
    ExplicitReconciliationSettings,
    KillTasksArgs,
    RestartShardsArgs,
    AddInstancesArgs,
    StartJobUpdateArgs,
    UpdateControlArgs,
    RollbackJobUpdateArgs,
    PulseJobUpdateArgs,
    CronJobArgs,
    HostsArgs,
    SlaDrainHostsArgs,
    GetJobUpdateDetailsArgs,
    GetJobUpdateDiffArgs,
    QueryArgs,
    RoleArgs,
    JobKeyArgs,
    ResponseResult,
);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_model_type_round_trips(seed in any::<u64>()) {
        roundtrip_all(seed);
    }

    /// Random bytes never panic either decoder.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Protocol::Binary.decode::<ResponseResult>(&bytes);
        let _ = Protocol::Json.decode::<ResponseResult>(&bytes);
        let _ = Protocol::Binary.decode_value::<ScheduledTask>(&bytes);
        let _ = Protocol::Json.decode_value::<ScheduledTask>(&bytes);
    }

    /// Valid messages with a few bytes flipped or cut never panic, and cut ones always fail.
    #[test]
    fn damaged_messages_fail_cleanly(seed in any::<u64>(), cut in any::<prop::sample::Index>(),
                                     flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4)) {
        let v = ResponseResult::sample(&mut Sampler::new(seed));
        for p in [Protocol::Binary, Protocol::Json] {
            let bytes = p.encode("getTasksStatus", eos::aurora::wire::MessageType::Reply, 1, &v);
            let n = cut.index(bytes.len());
            prop_assert!(p.decode::<ResponseResult>(&bytes[..n]).is_err());
            let mut damaged = bytes.clone();
            for (i, b) in &flips {
                let i = i.index(damaged.len());
                damaged[i] ^= b;
            }
            let _ = p.decode::<ResponseResult>(&damaged);
        }
    }
}
