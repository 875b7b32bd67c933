//! `--plot FILE.svg|FILE.png`: a preview of what a run would send. Every
//! exported metric name gets a panel with its series over the run, and the
//! times of the actions that change the metric or its emitters are marked.
//!
//! The points come from the engine itself, played fast into [`PlotSink`],
//! which keeps only the series it draws: a fleet's preview costs its panels,
//! not its million series.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use flutter::go::float::go_float;
use flutter::scenario::{ActionKind, AttrValue, KeyValue, MetricKind, Temporality};
use flutter::{Batch, GoDuration, Scenario, Sink, SinkError, ValueRef};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The most panels drawn; the others are counted in a note.
pub const MAX_PANELS: usize = 12;
/// The most lines in one panel; the others are counted in its title.
pub const MAX_LINES: usize = 10;

/// One exported metric name's panel.
#[derive(Debug, Default, PartialEq)]
pub struct Panel {
    /// The exported name.
    pub name: String,
    /// Its unit (of the first stream).
    pub unit: String,
    /// A histogram: the line is each interval's mean observation.
    pub histogram: bool,
    /// The lines drawn, in the order their streams appeared.
    pub lines: Vec<Line>,
    /// Streams of this name beyond [`MAX_LINES`].
    pub hidden_lines: usize,
    /// The metric actions (series) exported under this name.
    pub series: BTreeSet<String>,
    /// Simulated times (seconds) of the actions on those series or their emitters.
    pub marks: Vec<f64>,
}

/// One series' line: runs of points, broken where a staleness marker ends one.
#[derive(Debug, Default, PartialEq)]
pub struct Line {
    /// Its attributes, `KEY=VALUE` (resource ones prefixed `resource.`).
    pub attributes: Vec<String>,
    /// `(seconds since tick 0, value)` runs.
    pub runs: Vec<Vec<(f64, f64)>>,
    /// A cumulative histogram's count and sum at its previous point.
    previous: (u64, f64),
    /// The last run was ended by a staleness marker.
    broken: bool,
}

impl Line {
    fn push(&mut self, t: f64, v: f64) {
        if self.broken || self.runs.is_empty() {
            self.runs.push(Vec::new());
            self.broken = false;
        }
        if let Some(run) = self.runs.last_mut() {
            run.push((t, v));
        }
    }
}

/// Keeps the points of the series a plot draws.
#[derive(Debug, Default)]
pub struct PlotSink {
    panels: Vec<Panel>,
    by_name: BTreeMap<String, usize>,
    /// Names beyond [`MAX_PANELS`].
    hidden: BTreeSet<String>,
    /// Each stream's panel and line, once seen (`None`: not drawn).
    streams: Vec<Option<(usize, usize)>>,
}

impl PlotSink {
    /// The panels, in the order their names first appeared, with their marks.
    pub fn panels(mut self, scenario: &Scenario<'_>) -> (Vec<Panel>, usize) {
        for panel in &mut self.panels {
            panel.marks = marks(scenario, &panel.series);
        }
        (self.panels, self.hidden.len())
    }

    fn place(&mut self, stream: &flutter::Stream<'_>) -> Option<(usize, usize)> {
        let name = stream.name.as_ref();
        let panel = match self.by_name.get(name) {
            Some(&i) => i,
            None if self.panels.len() < MAX_PANELS => {
                let histogram = matches!(stream.kind, MetricKind::Histogram | MetricKind::ExponentialHistogram);
                self.panels.push(Panel {
                    name: name.to_owned(),
                    unit: stream.unit.to_owned(),
                    histogram,
                    ..Panel::default()
                });
                self.by_name.insert(name.to_owned(), self.panels.len() - 1);
                self.panels.len() - 1
            }
            None => {
                self.hidden.insert(name.to_owned());
                return None;
            }
        };
        let p = &mut self.panels[panel];
        p.series.insert(stream.series.to_owned());
        let attributes = attribute_texts(stream);
        // A reconfiguration that keeps the attributes (a new unit or
        // description) continues the same line.
        if let Some(line) = p.lines.iter().position(|l| l.attributes == attributes) {
            return Some((panel, line));
        }
        if p.lines.len() >= MAX_LINES {
            p.hidden_lines += 1;
            return None;
        }
        p.lines.push(Line { attributes, ..Line::default() });
        Some((panel, p.lines.len() - 1))
    }
}

impl Sink for PlotSink {
    fn tick(&mut self, batch: &Batch<'_>) -> Result<(), SinkError> {
        let streams = batch.metrics.streams;
        while self.streams.len() < streams.len() {
            let placed = self.place(&streams.get(self.streams.len()));
            self.streams.push(placed);
        }
        let t = batch.tick as f64;
        let points = &batch.metrics.points;
        for p in points.iter() {
            let Some((panel, line)) = self.streams[p.stream as usize] else { continue };
            let delta = streams.temporality(p.stream as usize) == Temporality::Delta;
            let line = &mut self.panels[panel].lines[line];
            let summary = match points.value(p) {
                ValueRef::Double(v) => {
                    line.push(t, v);
                    continue;
                }
                ValueRef::Int(v) => {
                    line.push(t, v as f64);
                    continue;
                }
                ValueRef::Stale => {
                    line.broken = true;
                    continue;
                }
                ValueRef::Histogram(h) => h.summary,
                ValueRef::ExpHistogram(h) => h.summary,
            };
            // The interval's observations: a delta point's own, a cumulative
            // point's less the previous point's (all of them after a reset).
            let (count, sum) = match (delta, line.previous) {
                (false, (c, s)) if summary.count >= c => (summary.count - c, summary.sum - s),
                _ => (summary.count, summary.sum),
            };
            line.previous = (summary.count, summary.sum);
            if count > 0 {
                line.push(t, sum / count as f64);
            }
        }
        Ok(())
    }
}

/// A stream's attributes as `KEY=VALUE` texts.
fn attribute_texts(stream: &flutter::Stream<'_>) -> Vec<String> {
    let level = |prefix: &'static str, attrs: &[KeyValue<'static>]| {
        attrs.iter().map(move |kv| format!("{prefix}{}={}", kv.key, value_text(&kv.value))).collect::<Vec<_>>()
    };
    let mut out = level("resource.", &stream.resource);
    out.extend(level("scope.", &stream.scope));
    out.extend(level("", &stream.datapoint));
    out
}

fn value_text(v: &AttrValue<'_>) -> String {
    match v {
        AttrValue::Str(s) => s.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Double(d) => go_float(*d),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Array(items) => format!("[{}]", items.iter().map(value_text).collect::<Vec<_>>().join(",")),
        AttrValue::KvList(kvs) => {
            let items: Vec<String> = kvs.iter().map(|kv| format!("{}:{}", kv.key, value_text(&kv.value))).collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

/// The times after 0 of the actions on `series` (metric actions) or on the
/// emitters they use, in seconds, each once.
fn marks(scenario: &Scenario<'_>, series: &BTreeSet<String>) -> Vec<f64> {
    let mut emitters: BTreeSet<&str> = BTreeSet::new();
    for a in scenario.script.iter() {
        if let ActionKind::Metric(spec) = &a.kind
            && series.contains(a.name.as_ref())
        {
            emitters.extend(spec.emitters.iter().flat_map(|e| e.iter()).map(|e| e.as_ref()));
        }
    }
    let mut times: BTreeSet<i64> = BTreeSet::new();
    for a in scenario.script.iter() {
        let relevant = match &a.kind {
            ActionKind::Emitter(_) => emitters.contains(a.name.as_ref()),
            _ => series.contains(a.name.as_ref()),
        };
        if relevant && a.at > GoDuration::ZERO {
            times.insert(a.at.as_nanos());
        }
    }
    times.into_iter().map(|ns| ns as f64 / 1e9).collect()
}

/// A line's colour: ten that tell apart (Tableau's).
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const PANEL_HEIGHT: u32 = 300;
const NOTE_HEIGHT: u32 = 30;
const FONT: &str = "sans-serif";

/// Plays `scenario` fast into a [`PlotSink`] and draws it to `path`: SVG or
/// PNG by its extension. Returns the panels drawn and the names left out.
pub fn write(path: &Path, scenario: &Scenario<'static>, config: flutter::RunConfig) -> Result<(usize, usize), String> {
    let png = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => false,
        Some("png") => true,
        _ => return Err(format!("--plot {}: the file must end in .svg or .png", path.display())),
    };
    let mut sink = PlotSink::default();
    let mut engine = flutter::Engine::new(scenario, config);
    flutter::run(&mut engine, flutter::Pacing::Fast, &mut flutter::SystemClock::start(), &mut [&mut sink])
        .map_err(|e| format!("--plot: the run failed: {e}"))?;
    let (panels, hidden) = sink.panels(scenario);
    if panels.is_empty() {
        return Err("--plot: the scenario has no points to draw".into());
    }
    let end = scenario.duration.as_nanos() as f64 / 1e9;
    let size = size(panels.len(), hidden);
    // Text is measured with this font in both formats (and drawn with it in PNG).
    plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "--plot: the embedded font does not load".to_owned())?;
    let failed = |e: &dyn std::fmt::Display| format!("--plot {}: {e}", path.display());
    if png {
        draw(&BitMapBackend::new(path, size).into_drawing_area(), &panels, hidden, end).map_err(|e| failed(&e))?;
    } else {
        draw(&SVGBackend::new(path, size).into_drawing_area(), &panels, hidden, end).map_err(|e| failed(&e))?;
    }
    Ok((panels.len(), hidden))
}

/// One column up to three panels, two beyond.
fn columns(panels: usize) -> usize {
    if panels <= 3 { 1 } else { 2 }
}

fn size(panels: usize, hidden: usize) -> (u32, u32) {
    let cols = columns(panels);
    let rows = panels.div_ceil(cols) as u32;
    let width = if cols == 1 { 1000 } else { 1400 };
    (width, rows * PANEL_HEIGHT + if hidden > 0 { NOTE_HEIGHT } else { 0 })
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panels: &[Panel], hidden: usize, end: f64) -> Drawn<DB> {
    root.fill(&WHITE)?;
    let (_, height) = root.dim_in_pixel();
    let body = if hidden > 0 {
        let (body, note) = root.split_vertically(height - NOTE_HEIGHT);
        let text = format!("… and {hidden} more metric names, not drawn (at most {MAX_PANELS} panels)");
        note.draw(&Text::new(text, (10, 5), (FONT, 16).into_font().color(&BLACK)))?;
        body
    } else {
        root.clone()
    };
    let cols = columns(panels.len());
    let areas = body.split_evenly((panels.len().div_ceil(cols), cols));
    for (area, panel) in areas.iter().zip(panels) {
        draw_panel(area, panel, end)?;
    }
    root.present()
}

/// The title: the name, its unit, what a histogram's line is, what is left out.
pub fn title(panel: &Panel) -> String {
    let mut title = panel.name.clone();
    if !panel.unit.is_empty() {
        title.push_str(&format!(" [{}]", panel.unit));
    }
    if panel.histogram {
        title.push_str(", mean observation per point");
    }
    if panel.hidden_lines > 0 {
        title.push_str(&format!(" (+{} series not drawn)", panel.hidden_lines));
    }
    title
}

/// The attributes that tell a panel's lines apart (all of them when one
/// line), each cut to `max` characters.
fn labels(panel: &Panel, max: usize) -> Vec<String> {
    let first = panel.lines.first().map_or(&[][..], |l| &l.attributes[..]);
    panel
        .lines
        .iter()
        .map(|l| {
            let varying: Vec<&str> = l
                .attributes
                .iter()
                .filter(|a| panel.lines.len() == 1 || !panel.lines.iter().all(|o| o.attributes.contains(a)))
                .map(String::as_str)
                .collect();
            let label = if varying.is_empty() && !first.is_empty() { first.join(" ") } else { varying.join(" ") };
            // The level is in the data, not needed to tell lines apart.
            let label = label.replace("resource.", "").replace("scope.", "");
            if label.chars().count() > max {
                format!("{}…", label.chars().take(max - 1).collect::<String>())
            } else {
                label
            }
        })
        .collect()
}

/// The values' range, padded by 5 % (one unit around a flat line).
fn value_range(panel: &Panel) -> (f64, f64) {
    let values = panel.lines.iter().flat_map(|l| l.runs.iter().flatten()).map(|&(_, v)| v);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { lo.abs().max(1.0) * 0.1 };
    (lo - pad, hi + pad)
}

/// The time axis' unit: seconds, minutes or hours, so that its ticks fall
/// on round times.
fn time_unit(end: f64) -> (f64, &'static str) {
    if end >= 5.0 * 3600.0 {
        (3600.0, "h")
    } else if end >= 300.0 {
        (60.0, "m")
    } else {
        (1.0, "s")
    }
}

/// The legend's width at most: a quarter of the panel below that.
const LEGEND_WIDTH: u32 = 300;
/// About how wide a legend character is, in pixels (12 px DejaVu Sans).
const LEGEND_CHAR: u32 = 7;

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel, end: f64) -> Drawn<DB> {
    let (width, _) = area.dim_in_pixel();
    let legend_width = LEGEND_WIDTH.min(width / 4);
    let (plot, legend) = if panel.lines.len() > 1 {
        let (plot, legend) = area.split_horizontally(width.saturating_sub(legend_width));
        (plot, Some(legend))
    } else {
        (area.clone(), None)
    };
    let (lo, hi) = value_range(panel);
    let (scale, unit) = time_unit(end);
    let mut chart = ChartBuilder::on(&plot)
        .caption(title(panel), (FONT, 18))
        .margin(10)
        .margin_right(25)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..(end / scale).max(1.0 / scale), lo..hi)?;
    let time = |x: &f64| format!("{}{unit}", go_float((x * 1e3).round() / 1e3));
    let value = |y: &f64| go_float((y * 1e4).round() / 1e4);
    chart
        .configure_mesh()
        .x_labels(12)
        .y_labels(6)
        .x_label_formatter(&time)
        .y_label_formatter(&value)
        .light_line_style(RGBColor(240, 240, 240))
        .label_style((FONT, 13))
        .draw()?;
    for &t in &panel.marks {
        let style = RGBColor(120, 120, 120).stroke_width(1);
        chart.draw_series(DashedLineSeries::new([(t / scale, lo), (t / scale, hi)], 6, 4, style))?;
    }
    for (i, line) in panel.lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        for run in &line.runs {
            let points = run.iter().map(|&(t, v)| (t / scale, v));
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
        }
    }
    if let Some(legend) = legend {
        let max = (legend_width.saturating_sub(24) / LEGEND_CHAR).max(8) as usize;
        for (i, label) in labels(panel, max).into_iter().enumerate() {
            let y = 40 + 20 * i as i32;
            let colour = COLOURS[i % COLOURS.len()];
            legend.draw(&PathElement::new([(0, y + 7), (18, y + 7)], colour.stroke_width(3)))?;
            legend.draw(&Text::new(label, (24, y), (FONT, 12).into_font().color(&BLACK)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flutter::{MemorySink, Pacing, RecordedValue, RunConfig, SystemClock};

    fn sample(name: &str) -> Scenario<'static> {
        let path = format!("{}/../samples/{name}", env!("CARGO_MANIFEST_DIR"));
        Scenario::from_yaml(name, &std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// Plays `s` into a plot sink and a memory sink in the same run.
    fn both(s: &Scenario<'static>) -> (Vec<Panel>, usize, MemorySink) {
        let (mut plot, mut memory) = (PlotSink::default(), MemorySink::new());
        let mut engine = flutter::Engine::new(s, RunConfig::reproducible(s));
        flutter::run(&mut engine, Pacing::Fast, &mut SystemClock::start(), &mut [&mut plot, &mut memory]).unwrap();
        let (panels, hidden) = plot.panels(s);
        (panels, hidden, memory)
    }

    /// Each stream's points as a plot draws them: number values as they are,
    /// a histogram's as the mean of the observations since its previous point,
    /// runs broken at staleness markers.
    fn expected(memory: &MemorySink, stream: usize) -> Vec<Vec<(f64, f64)>> {
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        let mut previous = (0, 0.0);
        let delta = memory.streams()[stream].temporality == Temporality::Delta;
        for p in memory.points().iter().filter(|p| p.stream as usize == stream) {
            let t = p.tick as f64;
            match &p.value {
                RecordedValue::Stale => runs.push(Vec::new()),
                v if v.summary().is_some() => {
                    let s = v.summary().unwrap();
                    let (c, sum) = if delta { (s.count, s.sum) } else { (s.count - previous.0, s.sum - previous.1) };
                    previous = (s.count, s.sum);
                    if c > 0 {
                        runs.last_mut().unwrap().push((t, sum / c as f64));
                    }
                }
                v => runs.last_mut().unwrap().push((t, v.as_f64().unwrap())),
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    }

    #[test]
    fn plotted_points_are_the_simulated_ones() {
        for name in ["sample-periodic.yaml", "sample-histogram.yaml", "sample-lifetime.yaml", "sample-counter.yaml"] {
            let s = sample(name);
            let (panels, hidden, memory) = both(&s);
            assert_eq!(hidden, 0);
            let names: BTreeSet<&str> = memory.streams().iter().map(|st| st.name.as_str()).collect();
            assert_eq!(panels.len(), names.len(), "{name}");
            for (i, stream) in memory.streams().iter().enumerate() {
                let panel = panels.iter().find(|p| p.name == stream.name).unwrap();
                let attrs: Vec<String> = stream
                    .resource
                    .iter()
                    .map(|kv| format!("resource.{}={}", kv.key, value_text(&kv.value)))
                    .chain(stream.datapoint.iter().map(|kv| format!("{}={}", kv.key, value_text(&kv.value))))
                    .collect();
                let line = panel.lines.iter().find(|l| l.attributes == attrs).unwrap();
                assert_eq!(line.runs, expected(&memory, i), "{name}: {}", stream.name);
                assert!(!line.runs.is_empty(), "{name}: {}", stream.name);
            }
        }
    }

    #[test]
    fn a_stale_marker_breaks_the_line_and_marks_are_the_actions_times() {
        let (panels, _, _) = both(&sample("sample-histogram.yaml"));
        // The latency's emitter `incident` changes at 4m and 7m; the others never.
        assert_eq!(panels[0].name, "http.server.duration");
        assert_eq!(panels[0].marks, [240.0, 420.0]);
        assert!(panels[1..].iter().all(|p| p.marks.is_empty()));
        assert!(panels[0].histogram && title(&panels[0]).ends_with(", mean observation per point"));
        let yaml = "duration: 60s
script:
  - {type: metricEmitter, name: e, spec: {type: constant, value: 1}}
  - {type: metric, name: m, spec: {type: gauge, emitters: [e], frequency: 10s}}
  - {at: 25s, type: disableMetric, name: m}
  - {at: 45s, type: enableMetric, name: m}
";
        let (panels, _, _) = both(&Scenario::from_yaml("t.yaml", yaml).unwrap());
        let runs: Vec<Vec<f64>> = panels[0].lines[0].runs.iter().map(|r| r.iter().map(|p| p.0).collect()).collect();
        // Enabled again at 45s, its points count from there.
        assert_eq!(runs, [vec![10.0, 20.0], vec![45.0, 55.0]]);
        assert_eq!(panels[0].marks, [25.0, 45.0]);
    }

    #[test]
    fn panels_and_lines_are_capped_and_counted() {
        let mut yaml = String::from(
            "duration: 10s\nscript:\n  - {type: metricEmitter, name: e, spec: {type: constant, value: 1}}\n",
        );
        yaml.push_str("  - {type: metric, name: m00, spec: {type: gauge, emitters: [e], attributes: {datapoint: {pod: 'p-{0..11}'}}}}\n");
        for i in 1..15 {
            yaml.push_str(&format!("  - {{type: metric, name: m{i:02}, spec: {{type: gauge, emitters: [e]}}}}\n"));
        }
        let (panels, hidden, _) = both(&Scenario::from_yaml("t.yaml", &yaml).unwrap());
        assert_eq!((panels.len(), hidden), (MAX_PANELS, 15 - MAX_PANELS));
        assert_eq!(panels.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()[..3], ["m00", "m01", "m02"]);
        assert_eq!((panels[0].lines.len(), panels[0].hidden_lines), (MAX_LINES, 12 - MAX_LINES));
        assert_eq!(title(&panels[0]), "m00 (+2 series not drawn)");
        assert_eq!(labels(&panels[0], 40)[..2], ["pod=p-0", "pod=p-1"]);
        assert_eq!(labels(&panels[0], 5)[..2], ["pod=…", "pod=…"]);
    }
}
