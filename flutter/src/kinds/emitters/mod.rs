//! Emitter kinds: what turns the value built so far into a new one.
//!
//! Each kind is one file that owns everything about it: its spec (the model
//! type a scenario holds, with its defaults beside its fields), its field table
//! (keys, types, ranges, docs: the loader reads specs from it), its runtime
//! configuration, and its step. The registry below names every kind once; the
//! model's [`EmitterSpec`], the runtime [`Emitter`] and every dispatch between
//! them are generated from it.
//!
//! Configuration lives once per emitter; what must be per series (a walk's
//! position, a spike's on/off, a sequence's place) lives in a [`SeriesState`]
//! each series keeps for each emitter it uses.
//!
//! # Adding an emitter kind
//!
//! 1. Write `kinds/emitters/<kind>.rs`: a `<Kind>Spec` (all fields `Option`, with
//!    `Clone, Debug, Default, PartialEq` and the `bake` feature's `Serialize`),
//!    its `FIELDS` table, and a runtime type implementing [`EmitterKind`].
//! 2. Add one line to `emitter_kinds!` below.
//! 3. Document it in the README's emitter table, and add a sample.
//!
//! The loader, the engine, `include_scenario!` and `--check` need no other edit.

mod per_series;

pub use per_series::{Draw, PerSeries};
pub(crate) use per_series::{DrawSink, is_draw, read_draw};

use crate::distributions::RandomBits;
use crate::go::duration::GoDuration;
use crate::scenario::read::{Fields, Reader};
pub(crate) use crate::scenario::spec::Problem;
use crate::scenario::spec::{Context, Field, KindDoc, keys_with_type, read_spec, set_drawn};

/// One emitter kind: its name, its spec's field table and its behaviour.
pub(crate) trait EmitterKind: Sized {
    /// The spec as a scenario holds it.
    type Spec: Clone + Default + 'static;
    /// The kind's name in scenario files.
    const NAME: &'static str;
    /// Other names accepted for it.
    const ALIASES: &'static [&'static str] = &[];
    /// What it does, in one line.
    const DOC: &'static str;
    /// Its spec's keys (besides `type`).
    const FIELDS: &'static [Field<Self::Spec>];
    /// Whether it draws random numbers (a kind that does not is never handed
    /// a random source).
    const DRAWS: bool = false;
    /// Whether it adds a value of its own to the chain's (true), or transforms
    /// the incoming value (false): only the former can be `shared`.
    const ADDS: bool = true;

    /// Checks that span fields or actions. `remembered` is what the loader keeps
    /// of this emitter's configuration across its actions (reset to the default
    /// when it is defined or changes type); the kind updates it from `spec`.
    fn check(name: &str, spec: &Self::Spec, remembered: &mut Self::Spec, fresh: bool) -> Option<Problem> {
        let _ = (name, spec, remembered, fresh);
        None
    }

    /// A word written as `type` that is not a kind but means something to this
    /// one (a wave's shape for `periodic`): a hint for the message.
    fn type_hint(word: &str) -> Option<String> {
        let _ = word;
        None
    }

    /// A new emitter defined at `at`.
    fn new(spec: &Self::Spec, at: GoDuration) -> Self;

    /// A reconfiguration at `at`: given fields replace the current ones.
    fn reconfigure(&mut self, spec: &Self::Spec, at: GoDuration);

    /// Passes the chain's value through this emitter for one sample of one
    /// series at `t_ns` (nanoseconds since tick 0).
    fn apply(&self, v: &mut ChainValue, t_ns: i64, state: &mut SeriesState, rng: &mut impl RandomBits);

    /// Resets a series' state after a (re)configuration.
    fn reset(&self, state: &mut SeriesState) {
        let _ = state;
    }

    /// The values the chain can hold after this emitter, given those it can
    /// hold before it (for `--check`'s warnings); unbounded unless the kind
    /// knows better.
    fn range(&self, before: ValueRange) -> ValueRange {
        let _ = before;
        ValueRange::ANY
    }
}

/// The values a chain can hold, `lo ..= hi` (either end may be infinite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ValueRange {
    pub lo: f64,
    pub hi: f64,
}

impl ValueRange {
    /// Any value.
    pub const ANY: ValueRange = ValueRange { lo: f64::NEG_INFINITY, hi: f64::INFINITY };

    /// A chain's value before its first emitter.
    pub const ZERO: ValueRange = ValueRange { lo: 0.0, hi: 0.0 };

    /// Values from `a` to `b`, in either order.
    pub fn between(a: f64, b: f64) -> ValueRange {
        ValueRange { lo: a.min(b), hi: a.max(b) }
    }

    /// Every sum of a value in this range and one in `other`.
    pub fn plus(self, other: ValueRange) -> ValueRange {
        ValueRange { lo: self.lo + other.lo, hi: self.hi + other.hi }
    }

    /// Each end through a monotonic function `f` (increasing or decreasing).
    pub fn map(self, f: impl Fn(f64) -> f64) -> ValueRange {
        let (a, b) = (f(self.lo), f(self.hi));
        if a.is_nan() || b.is_nan() { ValueRange::ANY } else { ValueRange::between(a, b) }
    }
}

/// Whether a sample has a value, is missing, or marks staleness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mark {
    #[default]
    Value,
    Stale,
    /// Strongest: a missing point is not sent at all.
    Missing,
}

/// The value built along a chain.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ChainValue {
    pub value: f64,
    pub mark: Mark,
}

impl ChainValue {
    /// Marks the sample missing or stale (the stronger mark wins).
    pub fn mark(&mut self, mark: Mark) {
        self.mark = self.mark.max(mark);
    }
}

/// The state one series keeps for one emitter: two words its kind interprets
/// (a walk's position as float bits, a sequence's place, a spike's on/off).
/// Small and `Copy`, so a run's states sit densely in one array (kept as
/// 32-bit halves: a series' slot is then 28 bytes, not 32).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SeriesState([u32; 4]);

impl SeriesState {
    /// Both words.
    #[inline(always)]
    pub fn words(&self) -> [u64; 2] {
        let w = self.0;
        [u64::from(w[0]) | (u64::from(w[1]) << 32), u64::from(w[2]) | (u64::from(w[3]) << 32)]
    }

    /// Sets both words.
    #[inline(always)]
    pub fn set_words(&mut self, [a, b]: [u64; 2]) {
        self.0 = [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32];
    }

    /// The first word.
    #[inline(always)]
    pub fn first(&self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }

    /// Sets the first word.
    #[inline(always)]
    pub fn set_first(&mut self, word: u64) {
        self.0[0] = word as u32;
        self.0[1] = (word >> 32) as u32;
    }

    /// The first word as a float.
    #[inline]
    pub fn float(&self) -> f64 {
        f64::from_bits(self.first())
    }

    /// Sets the first word to a float.
    #[inline]
    pub fn set_float(&mut self, v: f64) {
        self.set_first(v.to_bits());
    }
}

/// The random source of kinds that never draw.
pub(crate) struct NoDraws;

impl RandomBits for NoDraws {
    fn next_u64(&mut self) -> u64 {
        debug_assert!(false, "a kind that draws must say so (EmitterKind::DRAWS)");
        0
    }
    fn uniform(&mut self) -> f64 {
        debug_assert!(false, "a kind that draws must say so (EmitterKind::DRAWS)");
        0.0
    }
}

/// Which way noise goes (shared by the noise kinds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Direction {
    /// Up and down.
    #[default]
    Both,
    /// Up only.
    Positive,
    /// Down only.
    Negative,
}

impl Direction {
    /// Every direction, in the order of [`Direction::NAMES`].
    pub(crate) const ALL: [Direction; 3] = [Direction::Both, Direction::Positive, Direction::Negative];
    /// The words for [`Direction::ALL`].
    pub(crate) const NAMES: &'static [&'static str] = &["both", "positive", "negative"];
    /// The one-way words, which name `ALL[1..]`.
    pub(crate) const ONE_WAY: &'static [&'static str] = &["positive", "negative"];
}

/// Reads one kind's spec from `f`: its fields, its own checks (updating `kept`,
/// what the loader remembers of the emitter) and, on a definition, its required
/// fields. Every problem is reported; the spec is `None` if there was one.
fn read_kind<K: EmitterKind>(
    r: &mut Reader<'_>,
    f: &Fields<'_>,
    ctx: &Context<'_>,
    (fresh, draws): (bool, &mut DrawSink),
    mut kept: K::Spec,
) -> (Option<K::Spec>, K::Spec) {
    let check = |spec: &K::Spec| K::check(ctx.name, spec, &mut kept, fresh);
    let spec = read_spec(r, f, (K::NAME, K::FIELDS), ctx, (fresh, Some(draws)), check);
    (spec, kept)
}

/// Generates the model's spec enum, the runtime enum and their dispatch from
/// the list of kinds: `Variant => module::Runtime(Spec; OtherModelTypes…)`.
macro_rules! emitter_kinds {
    ($( $(#[$doc:meta])* $variant:ident => $module:ident :: $runtime:ident
        ( $spec:ident $(<$sl:lifetime>)? $(; $extra:ident)* ), )+) => {
        $( mod $module; pub use $module::{$spec $(, $extra)*}; )+

        /// An emitter's definition or reconfiguration. The variant is its kind
        /// (resolved by the loader when a reconfiguration leaves `type` out);
        /// `None` fields were not given and keep their current values.
        #[derive(Clone, Debug, PartialEq)]
        #[cfg_attr(feature = "bake", derive(serde::Serialize))]
        pub enum EmitterSpec<'a> {
            $( $(#[$doc])* $variant($spec $(<$sl>)?), )+
        }

        /// An emitter kind, without its spec.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum EmitterType {
            $( $variant, )+
        }

        /// A kind's names, for reading `type`.
        #[derive(Debug)]
        pub(crate) struct KindName {
            pub ty: EmitterType,
            pub name: &'static str,
            pub aliases: &'static [&'static str],
        }

        /// Every kind's names, in registry order.
        pub(crate) const KINDS: &[KindName] = &[
            $( KindName {
                ty: EmitterType::$variant,
                name: <$module::$runtime as EmitterKind>::NAME,
                aliases: <$module::$runtime as EmitterKind>::ALIASES,
            }, )+
        ];

        impl EmitterSpec<'_> {
            /// The kind's name as written in scenario files.
            pub const fn type_name(&self) -> &'static str {
                match self {
                    $( EmitterSpec::$variant(_) => <$module::$runtime as EmitterKind>::NAME, )+
                }
            }
        }

        impl EmitterSpec<'static> {
            /// Sets the number (or duration, in nanoseconds) field `key` to a
            /// series' drawn `value`; `false` if the kind has no such field.
            pub(crate) fn set_drawn(&mut self, key: &str, value: f64) -> bool {
                match self {
                    $( EmitterSpec::$variant(s) => set_drawn(<$module::$runtime as EmitterKind>::FIELDS, s, key, value), )+
                }
            }
        }

        /// Every emitter kind, as documentation, in registry order.
        pub fn catalog() -> Vec<KindDoc> {
            vec![$( KindDoc {
                name: <$module::$runtime as EmitterKind>::NAME,
                aliases: <$module::$runtime as EmitterKind>::ALIASES,
                doc: <$module::$runtime as EmitterKind>::DOC,
                fields: <$module::$runtime as EmitterKind>::FIELDS.iter().map(|f| f.describe(true)).collect(),
            }, )+]
        }

        impl EmitterType {
            /// The hint a kind gives for a word written as `type`.
            pub(crate) fn type_hint(word: &str) -> Option<String> {
                None $( .or_else(|| <$module::$runtime as EmitterKind>::type_hint(word)) )+
            }

            /// Whether the kind adds a value of its own ([`EmitterKind::ADDS`]).
            pub(crate) fn adds(self) -> bool {
                match self {
                    $( EmitterType::$variant => <$module::$runtime as EmitterKind>::ADDS, )+
                }
            }

            /// The kind's name as written in scenario files.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $( EmitterType::$variant => <$module::$runtime as EmitterKind>::NAME, )+
                }
            }

            /// Reads a spec of this kind from `f` (the spec map's known keys),
            /// its per-series fields going to `draws`. `remembered` holds what the
            /// loader keeps of the emitter across its actions; it is reset when
            /// `fresh` or of another kind.
            pub(crate) fn read(
                self,
                r: &mut Reader<'_>,
                f: &Fields<'_>,
                ctx: &Context<'_>,
                (fresh, draws): (bool, &mut DrawSink),
                remembered: &mut Option<EmitterSpec<'static>>,
            ) -> Option<EmitterSpec<'static>> {
                match self {
                    $( EmitterType::$variant => {
                        let kept = match remembered.take() {
                            Some(EmitterSpec::$variant(kept)) if !fresh => kept,
                            _ => Default::default(),
                        };
                        let (spec, kept) = read_kind::<$module::$runtime>(r, f, ctx, (fresh, draws), kept);
                        *remembered = Some(EmitterSpec::$variant(kept));
                        spec.map(EmitterSpec::$variant)
                    } )+
                }
            }

            /// The keys a spec of this kind may hold, `type` first.
            pub(crate) fn keys(self) -> Vec<(&'static str, &'static str)> {
                match self {
                            $( EmitterType::$variant => keys_with_type(<$module::$runtime as EmitterKind>::FIELDS), )+
                }
            }
        }

        /// An emitter's current configuration.
        #[derive(Clone, Debug, PartialEq)]
        pub(crate) enum Emitter {
            $( $variant($module::$runtime), )+
        }

        impl Emitter {
            /// A new emitter defined at `at`.
            pub fn new(spec: &EmitterSpec<'static>, at: GoDuration) -> Self {
                match spec {
                    $( EmitterSpec::$variant(s) => Emitter::$variant(EmitterKind::new(s, at)), )+
                }
            }

            /// Applies a reconfiguration at `at`: given fields replace the current
            /// ones; a spec of another kind replaces the emitter with a new one.
            pub fn reconfigure(&mut self, spec: &EmitterSpec<'static>, at: GoDuration) {
                match (self, spec) {
                    $( (Emitter::$variant(e), EmitterSpec::$variant(s)) => e.reconfigure(s, at), )+
                    #[allow(unreachable_patterns)]
                    (this, spec) => *this = Emitter::new(spec, at),
                }
            }

            /// Passes the chain's value through this emitter for one sample.
            // Always inlined: it runs once per chain link per sample, and a call
            // costs about as much as a constant's or a walk's work.
            #[inline(always)]
            /// `rng` makes the series' random source, for kinds that draw: the
            /// others never pay for one.
            pub fn apply<R: RandomBits>(&self, v: &mut ChainValue, t_ns: i64, state: &mut SeriesState, rng: impl FnOnce() -> R) {
                match self {
                    $( Emitter::$variant(e) => {
                        if <$module::$runtime as EmitterKind>::DRAWS {
                            e.apply(v, t_ns, state, &mut rng())
                        } else {
                            e.apply(v, t_ns, state, &mut NoDraws)
                        }
                    } )+
                }
            }

            /// Resets a series' state after a (re)configuration.
            pub fn reset(&self, state: &mut SeriesState) {
                match self {
                    $( Emitter::$variant(e) => e.reset(state), )+
                }
            }

            /// The values the chain can hold after this emitter ([`EmitterKind::range`]).
            pub fn range(&self, before: ValueRange) -> ValueRange {
                match self {
                    $( Emitter::$variant(e) => e.range(before), )+
                }
            }
        }
    };
}

emitter_kinds! {
    /// Adds a constant value.
    Constant => constant::Constant(ConstantSpec),
    /// Adds a value that moves linearly from `start` to `target`.
    Ramp => ramp::Ramp(RampSpec),
    /// Adds a mean-reverting random walk.
    RandomWalk => random_walk::RandomWalk(RandomWalkSpec),
    /// Adds normally distributed noise.
    NormalNoise => normal_noise::NormalNoise(NormalNoiseSpec),
    /// Adds Poisson-distributed counts.
    PoissonNoise => poisson_noise::PoissonNoise(PoissonNoiseSpec),
    /// Adds occasional bursts of Poisson spikes.
    SpikyNoise => spiky_noise::SpikyNoise(SpikyNoiseSpec),
    /// Adds a sine, square, sawtooth or triangle wave of simulated time.
    Periodic => periodic::Periodic(PeriodicSpec; Shape),
    /// Adds the next value of a scripted list (Prometheus rule-test notation).
    Sequence => sequence::Sequence(SequenceSpec<'a>; SeqStep),
    /// Adds each of a list of values in turn, held for a duration (a "CSV wave").
    Steps => steps::Steps(StepsSpec<'a>),
    /// Clamps the incoming value.
    Clamp => clamp::Clamp(ClampSpec),
    /// Multiplies the incoming value.
    Scale => scale::Scale(ScaleSpec),
    /// Rounds the incoming value to a multiple of `step`.
    Round => round::Round(RoundSpec),
    /// The incoming value's magnitude.
    Abs => abs::Abs(AbsSpec),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ChaChaStream;

    /// Locks the first draws of the noise kinds from one stream: a dependency
    /// upgrade or a change to an algorithm that changes them fails here.
    #[test]
    fn golden_first_draws() {
        let at = GoDuration::ZERO;
        let normal = normal_noise::NormalNoise::new(
            &NormalNoiseSpec { std_dev: Some(1.0), variation: Some(100.0), ..Default::default() },
            at,
        );
        let poisson =
            poisson_noise::PoissonNoise::new(&PoissonNoiseSpec { target: Some(7.0), ..Default::default() }, at);
        let big = poisson_noise::PoissonNoise::new(&PoissonNoiseSpec { target: Some(300.0), ..Default::default() }, at);
        let spiky = spiky_noise::SpikyNoise::new(&SpikyNoiseSpec { p_start: Some(0.5), ..Default::default() }, at);
        let mut s = ChaChaStream::new(1, "golden", "noise", 0);
        let mut on = false;
        let got: Vec<f64> = (0..3)
            .flat_map(|_| {
                [normal.sample(&mut s), poisson.sample(&mut s), big.sample(&mut s), spiky.sample(&mut on, &mut s)]
            })
            .collect();
        assert_eq!(got, GOLDEN);
    }

    const GOLDEN: [f64; 12] = [
        0.4854403488939818,
        8.0,
        325.0,
        0.0,
        -1.172614494766272,
        2.0,
        299.0,
        5.0,
        1.1023052660139587,
        10.0,
        298.0,
        13.0,
    ];

    /// Every kind's name, aliases and keys are distinct, and every field is documented.
    #[test]
    fn the_registry_is_consistent() {
        let kinds = catalog();
        let mut names: Vec<&str> =
            kinds.iter().flat_map(|k| std::iter::once(k.name).chain(k.aliases.iter().copied())).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a name is used twice");
        for k in &kinds {
            assert!(!k.doc.is_empty(), "{} has no doc", k.name);
            let mut keys: Vec<&str> = k.fields.iter().map(|f| f.key).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), k.fields.len(), "{} has a key twice", k.name);
            assert!(k.fields.iter().all(|f| !f.doc.is_empty() && f.key != "type"), "{}", k.name);
        }
    }
}
