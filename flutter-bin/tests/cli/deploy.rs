//! The Kubernetes Indexed Job in deploy/kubernetes, read with the Kubernetes
//! API types: it agrees with the shard contract, and its scenario loads.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;

fn manifest() -> (ConfigMap, Job) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/kubernetes/flutter-job.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).unwrap();
    let of_kind = |kind: &str| docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}")).clone();
    (serde_json::from_value(of_kind("ConfigMap")).unwrap(), serde_json::from_value(of_kind("Job")).unwrap())
}

#[test]
fn the_indexed_job_plays_every_shard_once_from_one_start() {
    let (config_map, job) = manifest();
    let spec = job.spec.unwrap();
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"), "JOB_COMPLETION_INDEX is set only in Indexed mode");
    let completions = spec.completions.unwrap();
    assert_eq!(spec.parallelism, Some(completions), "every shard at once");
    let pod = spec.template.spec.unwrap();
    assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
    // The grace period covers flutter's flush after SIGTERM (flushTimeout, 30s by default).
    assert!(pod.termination_grace_period_seconds.unwrap() > 30);
    let container = &pod.containers[0];
    let args = container.args.clone().unwrap();
    let after = |flag: &str| args.iter().position(|a| a == flag).map(|i| args[i + 1].clone());
    assert_eq!(after("--shards"), Some(completions.to_string()), "--shards equals completions");
    assert_eq!(after("--start-at").as_deref(), Some("$(START_AT)"), "one start for every shard");
    let env = container.env.clone().unwrap();
    let var = |name: &str| env.iter().find(|e| e.name == name).and_then(|e| e.value.clone());
    assert!(var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap().starts_with("http"));
    let start = var("START_AT").unwrap();
    assert!(flutter::Timestamp::parse_start_at(&start, flutter::Timestamp(0)).is_ok(), "{start}");
    assert!(var("JOB_COMPLETION_INDEX").is_none(), "Kubernetes sets it per pod");

    // The scenario file the args name is the ConfigMap's, mounted there, and it loads.
    let file = args.last().unwrap();
    let mount = &container.volume_mounts.as_ref().unwrap()[0];
    let (dir, key) = file.rsplit_once('/').unwrap();
    assert_eq!(mount.mount_path, dir);
    let volume = pod.volumes.unwrap().into_iter().find(|v| v.name == mount.name).unwrap();
    assert_eq!(volume.config_map.unwrap().name, config_map.metadata.name.unwrap());
    let yaml = &config_map.data.unwrap()[key];
    let scenario = flutter::Scenario::from_yaml(key, yaml).unwrap_or_else(|e| panic!("{}", e.report()));
    // Every series is played by exactly one of the shards.
    let metrics = |s: &flutter::Scenario<'static>| flutter::plan::plan(s).metrics.iter().map(|m| m.series).sum::<u64>();
    let shards = completions as u32;
    let per_shard: u64 = (1..=shards)
        .map(|index| metrics(&scenario.shard(flutter::shard::Shard { index, count: shards }).unwrap()))
        .sum();
    assert_eq!(per_shard, metrics(&scenario));
}

#[test]
fn the_image_runs_the_binary_as_a_user() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Dockerfile")).unwrap();
    let last_stage = text.rsplit("\nFROM ").next().unwrap();
    assert!(last_stage.lines().any(|l| l.starts_with("USER ") && l != "USER root" && l != "USER 0"), "{last_stage}");
    assert!(last_stage.contains("ENTRYPOINT [\"/usr/local/bin/flutter-bin\"]"));
    assert!(text.contains("cargo build --release --locked -p flutter-bin"));
}
