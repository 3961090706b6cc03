//! The console's config JSON (the update editor, every config diff) uses the IDL's field and
//! union member names, the same ones `eos get -o json` prints (issue 14): for any config, every
//! object key of the model's serde JSON is the key `eos get`'s writer uses at the same place.

use eos::aurora::model::{JobUpdateRequest, TaskConfig};
use eos::aurora::wire::sample::{Sample, Sampler};
use eos::aurora::wire::{JsonStyle, SimpleJsonWriter, Thrift};
use serde_json::Value;

fn idl_json<T: Thrift>(v: &T) -> Value {
    let mut w = SimpleJsonWriter::new(Vec::new(), JsonStyle::Idl);
    v.write(&mut w);
    serde_json::from_slice(&w.finish().unwrap()).unwrap()
}

/// Compares the key sets of the objects at the same places; `unknown` (a union member Eos
/// does not know, which the wire writer leaves out) is the one key only serde has.
fn same_keys(serde: &Value, idl: &Value, at: &str) -> usize {
    match (serde, idl) {
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<_> = a.keys().filter(|k| *k != "unknown").collect();
            let kb: Vec<_> = b.keys().collect();
            assert_eq!(ka, kb, "at {at}");
            1 + a
                .iter()
                .filter_map(|(k, v)| Some(same_keys(v, b.get(k)?, &format!("{at}.{k}"))))
                .sum::<usize>()
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "at {at}");
            a.iter()
                .zip(b)
                .enumerate()
                .map(|(i, (x, y))| same_keys(x, y, &format!("{at}[{i}]")))
                .sum()
        }
        _ => 0,
    }
}

#[test]
fn config_json_keys_are_the_idl_names_get_prints() {
    let mut objects = 0;
    for seed in 0..40 {
        let c = TaskConfig::sample(&mut Sampler::new(seed));
        objects += same_keys(&serde_json::to_value(&c).unwrap(), &idl_json(&c), "$");
        let r = JobUpdateRequest::sample(&mut Sampler::new(seed));
        objects += same_keys(&serde_json::to_value(&r).unwrap(), &idl_json(&r), "$");
    }
    assert!(objects > 200, "compared only {objects} objects");
    // The editor's own text, named the IDL's way.
    let c = TaskConfig::sample(&mut Sampler::new(3));
    let text = eos::app::config_json::to_text(&c);
    assert!(
        !text.contains("\"ram_mb\"") && !text.contains("\"is_service\""),
        "{text}"
    );
}
