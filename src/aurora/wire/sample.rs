//! Random values of any model type, for property tests, fuzzing and benchmarks. The macros that
//! declare model types implement [`Sample`] for them, so every type can be exercised without a
//! hand-written generator.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::Rng;
use rand::rngs::SmallRng;

/// A bounded random generator: containers shrink as nesting grows so values stay small.
pub struct Sampler {
    pub rng: SmallRng,
    depth: u32,
}

impl Sampler {
    pub fn new(seed: u64) -> Self {
        use rand::SeedableRng;
        Self {
            rng: SmallRng::seed_from_u64(seed),
            depth: 0,
        }
    }
    /// Whether an optional field is set this time.
    pub fn some(&mut self) -> bool {
        self.rng.random_bool(0.7)
    }
    fn len(&mut self) -> usize {
        let max = 4usize.saturating_sub(self.depth as usize / 2);
        self.rng.random_range(0..=max)
    }
    pub fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }
}

pub trait Sample {
    fn sample(s: &mut Sampler) -> Self;
}

impl Sample for bool {
    fn sample(s: &mut Sampler) -> Self {
        s.rng.random()
    }
}
impl Sample for i8 {
    fn sample(s: &mut Sampler) -> Self {
        s.rng.random()
    }
}
impl Sample for i16 {
    fn sample(s: &mut Sampler) -> Self {
        s.rng.random()
    }
}
impl Sample for i32 {
    fn sample(s: &mut Sampler) -> Self {
        match s.rng.random_range(0..4) {
            0 => s.rng.random(),
            1 => *[i32::MIN, i32::MAX, -1, 0]
                .get(s.rng.random_range(0..4))
                .unwrap_or(&0),
            _ => s.rng.random_range(-5..1000),
        }
    }
}
impl Sample for i64 {
    fn sample(s: &mut Sampler) -> Self {
        match s.rng.random_range(0..3) {
            // Past 2^53, where a JSON parser using doubles would lose digits.
            0 => s.rng.random(),
            1 => *[i64::MIN, i64::MAX, (1 << 53) + 1]
                .get(s.rng.random_range(0..3))
                .unwrap_or(&0),
            _ => s.rng.random_range(0..2_000_000_000_000),
        }
    }
}
impl Sample for f64 {
    fn sample(s: &mut Sampler) -> Self {
        match s.rng.random_range(0..6) {
            0 => f64::INFINITY,
            1 => f64::NEG_INFINITY,
            // Any bit pattern but NaN, which never equals itself (its wire form has a golden
            // test of its own).
            2 => {
                let v = f64::from_bits(s.rng.random::<u64>());
                if v.is_nan() {
                    0.0
                } else {
                    v.clamp(-1e300, 1e300)
                }
            }
            3 => -0.0,
            _ => s.rng.random_range(-100.0..100.0),
        }
    }
}
impl Sample for String {
    fn sample(s: &mut Sampler) -> Self {
        const PIECES: &[&str] = &[
            "www-data",
            "prod",
            "a\"b",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "ünïcödé",
            "日本",
            "🦀",
            "\u{1}",
            "",
            "/slash/",
            "{\"json\":1}",
            " ",
        ];
        let n = s.rng.random_range(0..3);
        (0..n)
            .map(|_| PIECES[s.rng.random_range(0..PIECES.len())])
            .collect()
    }
}
impl<T: Sample> Sample for Vec<T> {
    fn sample(s: &mut Sampler) -> Self {
        let n = s.len();
        s.nested(|s| (0..n).map(|_| T::sample(s)).collect())
    }
}
impl<K: Sample + Ord, V: Sample> Sample for BTreeMap<K, V> {
    fn sample(s: &mut Sampler) -> Self {
        let n = s.len();
        s.nested(|s| (0..n).map(|_| (K::sample(s), V::sample(s))).collect())
    }
}
impl<T: Sample> Sample for Arc<T> {
    fn sample(s: &mut Sampler) -> Self {
        Arc::new(T::sample(s))
    }
}
