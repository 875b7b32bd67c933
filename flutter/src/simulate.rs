//! Reproducible simulation in one call, for tests and examples.

use crate::engine::Engine;
use crate::run::{Pacing, RunConfig, SystemClock, run};
use crate::scenario::Scenario;
use crate::sink::MemorySink;

impl Scenario<'static> {
    /// Plays the whole scenario at once (dry, simulated clock) into a
    /// [`MemorySink`] to query. A seed or `wallclockStart` the scenario leaves
    /// out is 0 and 1970-01-01T00:00:00Z, so every call gives the same points.
    ///
    /// ```
    /// # use flutter::{GoDuration, Scenario};
    /// let s = Scenario::from_yaml("s.yaml", "
    /// duration: 30s
    /// script:
    ///   - {type: metricEmitter, name: one, spec: {type: constant, value: 1}}
    ///   - {type: metric, name: m, spec: {type: counter, emitters: [one]}}
    /// ").unwrap();
    /// let points = s.simulate();
    /// // A counter of 1 per second, a point every 10 s.
    /// assert_eq!(points.metric("m").values(), [10.0, 20.0, 30.0].map(|v| (GoDuration::from_secs(v as i64), v)));
    /// ```
    pub fn simulate(&self) -> MemorySink {
        self.simulate_with(self.reproducible_config())
    }

    /// Plays the whole scenario at once with `config` into a [`MemorySink`].
    pub fn simulate_with(&self, config: RunConfig) -> MemorySink {
        let mut engine = Engine::new(self, config);
        let mut sink = MemorySink::new();
        // Neither the memory sink nor fast pacing can fail.
        let _ = run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut sink]);
        sink
    }

    /// The scenario's own seed, rng and start time, with 0 and the Unix epoch
    /// for the ones it leaves out.
    pub fn reproducible_config(&self) -> RunConfig {
        RunConfig::reproducible(self)
    }
}
