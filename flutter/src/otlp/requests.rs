//! Points gathered into OTLP requests the way a destination is sent them: in
//! real time each tick's points at once (split at the request size), in a
//! fast run requests filled to that size across ticks. One home for both the
//! sink that sends them and the one that writes them to a file.

use crate::batch::{Batch, PointBuffer, Points, Streams};
use crate::run::Pacing;
use crate::sink::SinkError;

/// What turns points into a request body (OTLP, remote write).
pub(crate) trait RequestEncoder {
    /// Takes the streams it has not seen yet (streams only ever grow).
    fn add_streams(&mut self, streams: &Streams<'_>);
    /// Appends one request holding `points` to `out`.
    fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>);
}

impl RequestEncoder for super::metrics::Encoder {
    fn add_streams(&mut self, streams: &Streams<'_>) {
        super::metrics::Encoder::add_streams(self, streams);
    }
    fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>) {
        super::metrics::Encoder::encode(self, points, out);
    }
}

impl RequestEncoder for crate::remote_write::Encoder {
    fn add_streams(&mut self, streams: &Streams<'_>) {
        crate::remote_write::Encoder::add_streams(self, streams);
    }
    fn encode(&mut self, points: Points<'_>, out: &mut Vec<u8>) {
        crate::remote_write::Encoder::encode(self, points, out);
    }
}

/// The ticks a request's points come from, first and last.
pub(crate) type TickRange = (u64, u64);

#[derive(Debug)]
pub(crate) struct Requests<E> {
    pub encoder: E,
    pending: PointBuffer,
    ticks: TickRange,
    max: usize,
    per_tick: bool,
}

impl<E: RequestEncoder> Requests<E> {
    /// Requests of at most `max` points (at least 1) encoded by `encoder`,
    /// formed as `pacing` sends them.
    pub fn new(encoder: E, max: usize, pacing: Pacing) -> Self {
        Requests {
            encoder,
            pending: PointBuffer::new(),
            ticks: (0, 0),
            max: max.max(1),
            per_tick: pacing == Pacing::RealTime,
        }
    }

    /// Takes a tick's points, then hands every request now ready to `send`.
    /// Pending points are topped up to a request first; then whole requests
    /// go straight from the tick's points (a tick of a million points is not
    /// copied first), and only what is left waits.
    pub fn tick(
        &mut self,
        batch: &Batch<'_>,
        mut send: impl FnMut(&mut E, Points<'_>, TickRange) -> Result<(), SinkError>,
    ) -> Result<(), SinkError> {
        let metrics = &batch.metrics;
        // Real time sends a tick's points whole, once its last part is in.
        let all = self.per_tick && !batch.more;
        self.encoder.add_streams(metrics.streams);
        let points = metrics.points;
        let mut taken = 0;
        let mut result = Ok(());
        if !self.pending.is_empty() {
            taken = self.max.saturating_sub(self.pending.len()).min(points.len());
            self.pending.extend(points.slice(0..taken));
            self.ticks.1 = batch.tick;
            result = self.flush(false, &mut send);
        }
        if result.is_ok() && self.pending.is_empty() {
            self.ticks = (batch.tick, batch.tick);
            let rest = points.slice(taken..points.len());
            let (sent, sending) = requests(&mut self.encoder, rest, self.max, all, self.ticks, &mut send);
            (taken, result) = (taken + sent, sending);
        }
        // As `flush` leaves them: a failed request's points are handed over, the rest wait.
        self.ticks.1 = batch.tick;
        self.pending.extend(points.slice(taken..points.len()));
        result?;
        self.flush(all, send)
    }

    /// Hands `send` every full request's worth of pending points (all of
    /// them, with `all`), then drops what was handed over, once; stops at
    /// the first error.
    pub fn flush(
        &mut self,
        all: bool,
        mut send: impl FnMut(&mut E, Points<'_>, TickRange) -> Result<(), SinkError>,
    ) -> Result<(), SinkError> {
        let (sent, result) = requests(&mut self.encoder, self.pending.all(), self.max, all, self.ticks, &mut send);
        self.pending.drop_front(sent);
        result
    }
}

/// Hands `send` each full request of at most `max` of `points` in turn (the
/// last, short one too with `all`); stops at the first error. Returns how
/// many points were handed over, the failed request's included.
fn requests<E>(
    encoder: &mut E,
    points: Points<'_>,
    max: usize,
    all: bool,
    ticks: TickRange,
    send: &mut impl FnMut(&mut E, Points<'_>, TickRange) -> Result<(), SinkError>,
) -> (usize, Result<(), SinkError>) {
    let len = points.len();
    let mut sent = 0;
    let mut result = Ok(());
    while result.is_ok() && (len - sent >= max || (all && sent < len)) {
        let end = (sent + max).min(len);
        result = send(encoder, points.slice(sent..end), ticks);
        sent = end;
    }
    (sent, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{LogSection, MetricSection, Point, PointValue, SpanSection, Streams};

    /// Records each request as its points' streams.
    #[derive(Default)]
    struct Recorder;

    impl RequestEncoder for Recorder {
        fn add_streams(&mut self, _: &Streams<'_>) {}
        fn encode(&mut self, _: Points<'_>, _: &mut Vec<u8>) {}
    }

    type Sent = Vec<(Vec<u32>, TickRange)>;

    /// Plays ticks of `sizes` points (streams 0, 1, … in each) through
    /// requests of at most `max`; the request numbered `fail` fails.
    fn play(max: usize, pacing: Pacing, sizes: &[u32], fail: Option<usize>) -> (Sent, Vec<bool>, Sent) {
        let ticks: Vec<Vec<u32>> = sizes.iter().map(|&n| vec![n]).collect();
        play_parts(max, pacing, &ticks, fail)
    }

    /// [`play`] with each tick's points in parts of the sizes given.
    fn play_parts(max: usize, pacing: Pacing, ticks: &[Vec<u32>], fail: Option<usize>) -> (Sent, Vec<bool>, Sent) {
        let mut requests = Requests::new(Recorder, max, pacing);
        let streams = Streams::new();
        let sent = std::cell::RefCell::new(Vec::new());
        let mut results = Vec::new();
        let mut send = |_: &mut Recorder, points: Points<'_>, ticks: TickRange| {
            let mut sent = sent.borrow_mut();
            sent.push((points.iter().map(|p| p.stream).collect::<Vec<_>>(), ticks));
            if Some(sent.len()) == fail { Err(SinkError::Delivery("refused".into())) } else { Ok(()) }
        };
        for (tick, parts) in ticks.iter().enumerate() {
            let mut stream = 0;
            for (k, &n) in parts.iter().enumerate() {
                let mut buffer = PointBuffer::new();
                for _ in 0..n {
                    buffer.push(Point::new(stream, 0, tick as i64, PointValue::Double(1.0)));
                    stream += 1;
                }
                let batch = Batch {
                    tick: tick as u64,
                    unix_nanos: tick as i64,
                    next_tick: tick as u64 + 1,
                    more: k + 1 < parts.len(),
                    metrics: MetricSection { streams: &streams, points: buffer.all() },
                    spans: SpanSection::default(),
                    logs: LogSection::default(),
                };
                results.push(requests.tick(&batch, &mut send).is_ok());
            }
        }
        let before_flush = sent.borrow().len();
        requests.flush(true, &mut send).unwrap();
        let mut sent = sent.into_inner();
        let flushed = sent.split_off(before_flush);
        (sent, results, flushed)
    }

    #[test]
    fn fast_requests_fill_across_ticks_and_the_rest_waits_for_the_flush() {
        let (sent, ok, flushed) = play(3, Pacing::Fast, &[5, 4, 2], None);
        assert_eq!(
            sent,
            vec![(vec![0, 1, 2], (0, 0)), (vec![3, 4, 0], (0, 1)), (vec![1, 2, 3], (1, 1))],
            "the second request tops up the first tick's rest"
        );
        assert_eq!(ok, [true, true, true]);
        assert_eq!(flushed, vec![(vec![0, 1], (2, 2))]);
    }

    #[test]
    fn real_time_requests_hold_one_tick_each() {
        let (sent, _, flushed) = play(3, Pacing::RealTime, &[5, 4], None);
        let want = vec![(vec![0, 1, 2], (0, 0)), (vec![3, 4], (0, 0)), (vec![0, 1, 2], (1, 1)), (vec![3], (1, 1))];
        assert_eq!(sent, want);
        assert!(flushed.is_empty());
    }

    /// A tick in parts makes the requests it makes whole, in real time and fast alike.
    #[test]
    fn a_tick_in_parts_makes_the_same_requests() {
        for pacing in [Pacing::RealTime, Pacing::Fast] {
            let whole = play(3, pacing, &[5, 4], None);
            let parts = play_parts(3, pacing, &[vec![2, 2, 1], vec![4]], None);
            assert_eq!((whole.0, whole.2), (parts.0, parts.2), "{pacing:?}");
        }
        let (sent, _, flushed) = play_parts(3, Pacing::RealTime, &[vec![2, 2, 1], vec![1, 3]], None);
        let want = vec![(vec![0, 1, 2], (0, 0)), (vec![3, 4], (0, 0)), (vec![0, 1, 2], (1, 1)), (vec![3], (1, 1))];
        assert_eq!(sent, want);
        assert!(flushed.is_empty());
    }

    #[test]
    fn a_failed_request_is_handed_over_and_the_rest_of_the_tick_waits() {
        // The second request (from the tick's points directly) fails: its
        // points are the sender's to count; the seventh point still waits.
        let (sent, ok, flushed) = play(3, Pacing::Fast, &[7], Some(2));
        assert_eq!(sent, vec![(vec![0, 1, 2], (0, 0)), (vec![3, 4, 5], (0, 0))]);
        assert_eq!(ok, [false]);
        assert_eq!(flushed, vec![(vec![6], (0, 0))]);
        // A failed top-up: the rest of that tick waits too.
        let (sent, ok, flushed) = play(3, Pacing::Fast, &[2, 5], Some(1));
        assert_eq!(sent, vec![(vec![0, 1, 0], (0, 1))]);
        assert_eq!(ok, [true, false]);
        // (Their tick range still starts at the failed request's first tick, as before.)
        assert_eq!(flushed, vec![(vec![1, 2, 3], (0, 1)), (vec![4], (0, 1))]);
    }
}
