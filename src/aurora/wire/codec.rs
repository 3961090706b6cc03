//! The [`Thrift`] trait and the macros that declare model types: one declaration per struct
//! gives its Rust type, its field ids and wire types, and its encoder and decoder.

use std::any::Any;
use std::collections::BTreeMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use super::{DecodeResult, ProtocolReader, ProtocolWriter, TType};

/// A value with a Thrift encoding.
pub trait Thrift: Sized {
    const TTYPE: TType;
    fn write<W: ProtocolWriter>(&self, w: &mut W);
    fn read<'a, R: ProtocolReader<'a>>(r: &mut R) -> DecodeResult<Self>;
    /// Whether a field arriving with wire type `ty` can be read as this type. Lists and sets
    /// share a layout, so either is accepted where one is declared.
    fn accepts(ty: TType) -> bool {
        ty == Self::TTYPE
    }
}

macro_rules! primitive {
    ($t:ty, $tt:ident, $w:ident, $r:ident) => {
        impl Thrift for $t {
            const TTYPE: TType = TType::$tt;
            #[inline]
            fn write<W: ProtocolWriter>(&self, w: &mut W) {
                w.$w(*self)
            }
            #[inline]
            fn read<'a, R: ProtocolReader<'a>>(r: &mut R) -> DecodeResult<Self> {
                r.$r()
            }
        }
    };
}
primitive!(bool, Bool, bool, bool);
primitive!(i8, I8, i8, i8);
primitive!(i16, I16, i16, i16);
primitive!(i32, I32, i32, i32);
primitive!(i64, I64, i64, i64);
primitive!(f64, Double, double, double);

impl Thrift for String {
    const TTYPE: TType = TType::String;
    fn write<W: ProtocolWriter>(&self, w: &mut W) {
        w.string(self)
    }
    fn read<'a, R: ProtocolReader<'a>>(r: &mut R) -> DecodeResult<Self> {
        r.string()
    }
}

impl<T: Thrift> Thrift for Vec<T> {
    const TTYPE: TType = TType::List;
    fn write<W: ProtocolWriter>(&self, w: &mut W) {
        w.list_begin(T::TTYPE, self.len());
        for v in self {
            v.write(w);
        }
        w.list_end();
    }
    fn read<'a, R: ProtocolReader<'a>>(r: &mut R) -> DecodeResult<Self> {
        r.depth_enter()?;
        let (elem, n) = r.list_begin()?;
        let mut out = Vec::new();
        if T::accepts(elem) {
            // `n` was checked against the bytes left, but an element can be far larger in memory
            // than on the wire (an empty struct is 1 byte there): charge the decode budget first.
            r.charge(n, std::mem::size_of::<T>())?;
            out.reserve_exact(n);
            for _ in 0..n {
                out.push(T::read(r)?);
            }
        } else {
            for _ in 0..n {
                r.skip(elem)?;
            }
        }
        r.list_end()?;
        r.depth_leave();
        Ok(out)
    }
    fn accepts(ty: TType) -> bool {
        matches!(ty, TType::List | TType::Set)
    }
}

impl<K: Thrift + Ord, V: Thrift> Thrift for BTreeMap<K, V> {
    const TTYPE: TType = TType::Map;
    fn write<W: ProtocolWriter>(&self, w: &mut W) {
        w.map_begin(K::TTYPE, V::TTYPE, self.len());
        for (k, v) in self {
            k.write(w);
            v.write(w);
        }
        w.map_end();
    }
    fn read<'a, R: ProtocolReader<'a>>(r: &mut R) -> DecodeResult<Self> {
        r.depth_enter()?;
        let (kt, vt, n) = r.map_begin()?;
        let mut out = BTreeMap::new();
        let typed = K::accepts(kt) && V::accepts(vt);
        if typed {
            // A B-tree entry costs at least its key and value (plus node overhead).
            r.charge(n, std::mem::size_of::<(K, V)>() + 16)?;
        }
        for _ in 0..n {
            if typed {
                let k = K::read(r)?;
                let v = V::read(r)?;
                out.insert(k, v);
            } else {
                r.skip(kt)?;
                r.skip(vt)?;
            }
        }
        r.map_end()?;
        r.depth_leave();
        Ok(out)
    }
}

/// Shared values are decoded once per distinct encoding (see [`ProtocolReader::read_shared`]).
impl<T: Thrift + Send + Sync + 'static> Thrift for Arc<T> {
    const TTYPE: TType = T::TTYPE;
    fn write<W: ProtocolWriter>(&self, w: &mut W) {
        (**self).write(w)
    }
    fn read<'a, R: ProtocolReader<'a>>(r: &mut R) -> DecodeResult<Self> {
        r.read_shared::<T>()
    }
    fn accepts(ty: TType) -> bool {
        T::accepts(ty)
    }
}

type FxBuild = BuildHasherDefault<rustc_hash::FxHasher>;

/// How many bytes of decoded containers one byte of body may turn into. Real Aurora replies
/// stay near 1× (strings dominate); an empty struct is 1 byte on the wire and hundreds in
/// memory, so a hostile body of them would otherwise cost hundreds of times its size.
pub const DECODE_BYTES_PER_BODY_BYTE: usize = 32;
/// Small bodies may always decode this much, whatever their size.
pub const DECODE_BUDGET_FLOOR: usize = 4 << 20;

/// Per-body decode state: values already decoded from this body (keyed by their exact
/// encoding), and the memory budget containers are charged against.
pub struct SharedValues<'a> {
    map: std::collections::HashMap<&'a [u8], Arc<dyn Any + Send + Sync>, FxBuild>,
    budget: usize,
    budget_left: usize,
}

impl Default for SharedValues<'_> {
    fn default() -> Self {
        Self::for_body(0)
    }
}

impl<'a> SharedValues<'a> {
    /// The state for decoding a body of `len` bytes.
    pub fn for_body(len: usize) -> Self {
        let budget = len
            .saturating_mul(DECODE_BYTES_PER_BODY_BYTE)
            .max(DECODE_BUDGET_FLOOR);
        Self {
            map: Default::default(),
            budget,
            budget_left: budget,
        }
    }
    /// Takes `bytes` from the decode budget; `Err(budget)` when they do not fit.
    pub fn charge(&mut self, bytes: usize) -> Result<(), usize> {
        match self.budget_left.checked_sub(bytes) {
            Some(left) => {
                self.budget_left = left;
                Ok(())
            }
            None => Err(self.budget),
        }
    }
    pub fn get<T: Send + Sync + 'static>(&self, bytes: &[u8]) -> Option<Arc<T>> {
        self.map
            .get(bytes)
            .and_then(|v| v.clone().downcast::<T>().ok())
    }
    pub fn insert<T: Send + Sync + 'static>(&mut self, bytes: &'a [u8], v: Arc<T>) {
        self.map.insert(bytes, v);
    }
}

/// Writes one struct field if it is set.
#[inline]
pub fn write_field<T: Thrift, W: ProtocolWriter>(
    w: &mut W,
    id: i16,
    name: &'static str,
    ty: TType,
    value: &Option<T>,
) {
    if let Some(v) = value {
        w.named_field_begin(ty, id, name);
        v.write(w);
        w.field_end();
    }
}

/// Declares a Thrift struct: its fields (all optional, as Aurora's readers must treat them),
/// their ids, and the encoder/decoder. A field declared `as set` is a `Vec` sent as a Thrift set.
/// Declare fields in ascending id order: Thrift's own writers emit them that way.
#[macro_export]
macro_rules! thrift_struct {
    ($(
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $id:literal : $field:ident : $ty:ty $(as $wire:ident)? ),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        // Deserialize reads back exactly what Serialize writes (the update editor's JSON);
        // a field it does not know is refused, so a misspelt one is never silently dropped.
        // Field names are the IDL's (`ramMb`, `isService`: serde's camelCase of the snake_case
        // names is what `idl_name!` computes), so a config reads the same in the editor, the
        // diffs and `eos get -o json`.
        #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl $crate::aurora::wire::Thrift for $name {
            const TTYPE: $crate::aurora::wire::TType = $crate::aurora::wire::TType::Struct;
            #[allow(unused_variables)]
            fn write<W: $crate::aurora::wire::ProtocolWriter>(&self, w: &mut W) {
                w.struct_begin();
                $(
                    $crate::aurora::wire::codec::write_field(
                        w, $id, $crate::idl_name!($field),
                        $crate::thrift_wire_type!($ty $(, $wire)?), &self.$field);
                )*
                w.struct_end();
            }
            #[allow(unused_mut)]
            fn read<'a, R: $crate::aurora::wire::ProtocolReader<'a>>(
                r: &mut R,
            ) -> $crate::aurora::wire::DecodeResult<Self> {
                r.depth_enter()?;
                r.struct_begin()?;
                let mut out = Self::default();
                while let Some((ty, id)) = r.field_begin()? {
                    match id {
                        $(
                            $id if <$ty as $crate::aurora::wire::Thrift>::accepts(ty) => {
                                out.$field = Some(<$ty as $crate::aurora::wire::Thrift>::read(r)?);
                            }
                        )*
                        _ => r.skip(ty)?,
                    }
                    r.field_end()?;
                }
                r.struct_end()?;
                r.depth_leave();
                Ok(out)
            }
        }

        impl $crate::aurora::wire::sample::Sample for $name {
            #[allow(unused_variables)]
            fn sample(s: &mut $crate::aurora::wire::sample::Sampler) -> Self {
                s.nested(|s| Self {
                    $( $field: if s.some() {
                        Some(<$ty as $crate::aurora::wire::sample::Sample>::sample(s))
                    } else {
                        None
                    }, )*
                })
            }
        }
    )*};
}

/// Declares a Thrift union as a Rust enum with one arm per member, plus `Unknown(id)` for a
/// member this version of Eos does not know (the value is skipped, never an error).
#[macro_export]
macro_rules! thrift_union {
    ($(
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $id:literal : $idl:ident => $arm:ident ( $ty:ty ) ),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        // Unions are short-lived reply carriers; boxing members would only add indirection.
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, PartialEq)]
        pub enum $name {
            $( $arm($ty), )*
            /// A member unknown to Eos (its field id), or an empty union.
            Unknown(i16),
        }

        /// `{"member": value}` under the member's IDL name (`{"numCpus": 0.5}`), as in `eos
        /// get -o json`; an unknown member is `{"unknown": ID}`.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut m = s.serialize_map(Some(1))?;
                match self {
                    $( $name::$arm(v) => m.serialize_entry(stringify!($idl), v)?, )*
                    $name::Unknown(id) => m.serialize_entry("unknown", id)?,
                }
                m.end()
            }
        }

        /// Reads back what Serialize writes: an object with exactly one known member.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                const MEMBERS: &[&str] = &[$(stringify!($idl),)* "unknown"];
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter) -> ::core::fmt::Result {
                        write!(f, "an object with exactly one member of {}", MEMBERS.join(", "))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> ::core::result::Result<$name, A::Error> {
                        let Some(key) = m.next_key::<::std::string::String>()? else {
                            return Err(serde::de::Error::invalid_length(0, &self));
                        };
                        let out = match key.as_str() {
                            $( stringify!($idl) => $name::$arm(m.next_value::<$ty>()?), )*
                            "unknown" => $name::Unknown(m.next_value::<i16>()?),
                            other => return Err(serde::de::Error::unknown_variant(other, MEMBERS)),
                        };
                        if m.next_key::<serde::de::IgnoredAny>()?.is_some() {
                            return Err(serde::de::Error::custom(
                                "expected an object with exactly one member",
                            ));
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(V)
            }
        }

        impl $crate::aurora::wire::Thrift for $name {
            const TTYPE: $crate::aurora::wire::TType = $crate::aurora::wire::TType::Struct;
            fn write<W: $crate::aurora::wire::ProtocolWriter>(&self, w: &mut W) {
                w.struct_begin();
                match self {
                    $(
                        $name::$arm(v) => {
                            w.named_field_begin(
                                <$ty as $crate::aurora::wire::Thrift>::TTYPE, $id, stringify!($idl));
                            $crate::aurora::wire::Thrift::write(v, w);
                            w.field_end();
                        }
                    )*
                    $name::Unknown(_) => {}
                }
                w.struct_end();
            }
            fn read<'a, R: $crate::aurora::wire::ProtocolReader<'a>>(
                r: &mut R,
            ) -> $crate::aurora::wire::DecodeResult<Self> {
                r.depth_enter()?;
                r.struct_begin()?;
                let mut out = $name::Unknown(0);
                while let Some((ty, id)) = r.field_begin()? {
                    match id {
                        $(
                            $id if <$ty as $crate::aurora::wire::Thrift>::accepts(ty) => {
                                out = $name::$arm(<$ty as $crate::aurora::wire::Thrift>::read(r)?);
                            }
                        )*
                        _ => {
                            r.skip(ty)?;
                            if matches!(out, $name::Unknown(_)) {
                                out = $name::Unknown(id);
                            }
                        }
                    }
                    r.field_end()?;
                }
                r.struct_end()?;
                r.depth_leave();
                Ok(out)
            }
        }

        impl $crate::aurora::wire::sample::Sample for $name {
            fn sample(s: &mut $crate::aurora::wire::sample::Sampler) -> Self {
                use rand::Rng as _;
                const ARMS: &[i16] = &[$($id),*];
                let pick = s.rng.random_range(0..ARMS.len() + 1);
                let id = ARMS.get(pick).copied().unwrap_or(-1);
                s.nested(|s| match id {
                    $( $id => $name::$arm(<$ty as $crate::aurora::wire::sample::Sample>::sample(s)), )*
                    _ => $name::Unknown(0),
                })
            }
        }
    )*};
}

/// Declares a Thrift enum as a newtype over its number, so numbers from newer schedulers are
/// kept rather than refused. Named values are associated constants.
#[macro_export]
macro_rules! thrift_enum {
    ($(
        $(#[$meta:meta])*
        pub enum $name:ident { $( $variant:ident = $value:literal ),* $(,)? }
    )*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub i32);

        #[allow(non_upper_case_globals)]
        impl $name {
            $( pub const $variant: $name = $name($value); )*
            /// Every named value, in declaration order.
            pub const ALL: &'static [$name] = &[$( $name($value) ),*];

            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($variant)), )*
                    _ => None,
                }
            }

            pub fn from_name(s: &str) -> Option<$name> {
                match s {
                    $( stringify!($variant) => Some($name($value)), )*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "UNKNOWN({})", self.0),
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(self, f)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => s.serialize_str(n),
                    None => s.serialize_i32(self.0),
                }
            }
        }

        /// A name, or a number (kept as is, for values newer than Eos): what Serialize writes.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("one of ", $(stringify!($variant), " "),*))
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> ::core::result::Result<$name, E> {
                        $name::from_name(s).ok_or_else(|| {
                            E::unknown_variant(s, &[$(stringify!($variant)),*])
                        })
                    }
                    fn visit_i64<E: serde::de::Error>(self, n: i64) -> ::core::result::Result<$name, E> {
                        i32::try_from(n).map($name).map_err(|_| {
                            E::invalid_value(serde::de::Unexpected::Signed(n), &"a 32-bit integer")
                        })
                    }
                    fn visit_u64<E: serde::de::Error>(self, n: u64) -> ::core::result::Result<$name, E> {
                        i32::try_from(n).map($name).map_err(|_| {
                            E::invalid_value(serde::de::Unexpected::Unsigned(n), &"a 32-bit integer")
                        })
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl $crate::aurora::wire::Thrift for $name {
            const TTYPE: $crate::aurora::wire::TType = $crate::aurora::wire::TType::I32;
            fn write<W: $crate::aurora::wire::ProtocolWriter>(&self, w: &mut W) {
                w.enum_i32(self.0, self.name())
            }
            fn read<'a, R: $crate::aurora::wire::ProtocolReader<'a>>(
                r: &mut R,
            ) -> $crate::aurora::wire::DecodeResult<Self> {
                Ok($name(r.i32()?))
            }
        }

        impl $crate::aurora::wire::sample::Sample for $name {
            fn sample(s: &mut $crate::aurora::wire::sample::Sampler) -> Self {
                use rand::Rng as _;
                // Now and then a number this version does not know, which must survive.
                match Self::ALL.get(s.rng.random_range(0..Self::ALL.len() + 1)) {
                    Some(v) => *v,
                    None => $name(s.rng.random_range(100..200)),
                }
            }
        }
    )*};
}

/// How many bytes the IDL (lowerCamelCase) spelling of a snake_case name takes.
pub const fn idl_name_len(snake: &str) -> usize {
    let b = snake.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'_' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The IDL spelling of a snake_case field name: `assigned_task` → `assignedTask`. Aurora's IDL
/// names every field in lowerCamelCase, and the model's Rust names are those names in
/// snake_case, so one is computed from the other at compile time.
pub const fn idl_name_bytes<const N: usize>(snake: &str) -> [u8; N] {
    let b = snake.as_bytes();
    let mut out = [0u8; N];
    let (mut i, mut o, mut upper) = (0, 0, false);
    while i < b.len() {
        if b[i] == b'_' {
            upper = true;
        } else {
            out[o] = if upper {
                b[i].to_ascii_uppercase()
            } else {
                b[i]
            };
            upper = false;
            o += 1;
        }
        i += 1;
    }
    out
}

/// The IDL name of a model field, as a `&'static str` computed at compile time.
#[macro_export]
macro_rules! idl_name {
    ($field:ident) => {{
        const SNAKE: &str = stringify!($field);
        const LEN: usize = $crate::aurora::wire::codec::idl_name_len(SNAKE);
        const BYTES: [u8; LEN] = $crate::aurora::wire::codec::idl_name_bytes::<LEN>(SNAKE);
        const NAME: &str = match ::core::str::from_utf8(&BYTES) {
            Ok(s) => s,
            Err(_) => panic!("field names are ASCII"),
        };
        NAME
    }};
}

/// The wire type of a struct field: the type's own, or `Set` for a `Vec` declared `as set`.
#[macro_export]
macro_rules! thrift_wire_type {
    ($ty:ty) => {
        <$ty as $crate::aurora::wire::Thrift>::TTYPE
    };
    ($ty:ty, set) => {
        $crate::aurora::wire::TType::Set
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aurora::model::{JobSummary, JobSummaryResult};
    use crate::aurora::wire::{DecodeErrorKind, Protocol};

    /// A JobSummaryResult whose set holds `n` empty structs: one byte each on the wire.
    fn empty_structs(n: usize) -> Vec<u8> {
        let mut b = vec![14, 0, 1, 12];
        b.extend_from_slice(&(n as i32).to_be_bytes());
        b.resize(b.len() + n, 0);
        b.push(0);
        b
    }

    #[test]
    fn containers_are_charged_against_a_budget_proportional_to_the_body() {
        // A megabyte of empty structs would be ~1M × size_of::<JobSummary>() in memory.
        let body = empty_structs(1 << 20);
        let e = Protocol::Binary
            .decode_value::<JobSummaryResult>(&body)
            .unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::OverBudget { .. }), "{e}");
        assert!(e.to_string().starts_with("decode budget exceeded"), "{e}");
        // What fits the budget decodes.
        let small = empty_structs(1000);
        let v = Protocol::Binary
            .decode_value::<JobSummaryResult>(&small)
            .unwrap();
        assert_eq!(v.summaries.map(|s| s.len()), Some(1000));
        assert!(std::mem::size_of::<JobSummary>() * 1000 < DECODE_BUDGET_FLOOR);
    }

    #[test]
    fn the_budget_grows_with_the_body_and_is_spent() {
        let mut s = SharedValues::for_body(1 << 20);
        let budget = (1 << 20) * DECODE_BYTES_PER_BODY_BYTE;
        assert_eq!(s.charge(budget - 1), Ok(()));
        assert_eq!(s.charge(1), Ok(()));
        assert_eq!(s.charge(1), Err(budget));
        let mut tiny = SharedValues::for_body(10);
        assert_eq!(tiny.charge(DECODE_BUDGET_FLOOR), Ok(()));
    }
}
