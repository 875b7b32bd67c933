//! The script pass over the merged actions, in time order: reads each spec
//! (knowing the emitter's current type), checks references, lifetimes and
//! what may not change across actions and files, and builds the model.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::diagnostic::{Reporter, Span, did_you_mean};
use super::file::{Merged, RawAction, RawKind};
use super::metrics;
use super::model::{Action, ActionKind, EmitterAction, KeyValue, MetricSpec};
use super::read::{Fields, Reader, list};
use super::set_sources::SetSources;
use super::spec::{Context, FirstDefinition};
use super::yaml::{Node, Value};
use super::{logs, traces};
use crate::go::duration::GoDuration;
use crate::kinds::emitters::{DrawSink, EmitterSpec, EmitterType, KINDS};
use crate::kinds::metrics::{MetricKind, MetricKindSpec};
use crate::schedule::MAX_TICK;
use crate::sets::{SeriesSet, churn_expression};

/// What the pass knows about an emitter so far.
struct EmitterState {
    /// Its current type; `None` when its definition was too broken to tell.
    ty: Option<EmitterType>,
    /// What its kind keeps across its actions (for checks that span them).
    remembered: Option<EmitterSpec<'static>>,
    /// Whether it is shared, once an action has said (its definition, unless that was broken).
    shared: Option<bool>,
}

impl EmitterState {
    fn new(ty: Option<EmitterType>) -> Self {
        EmitterState { ty, remembered: None, shared: None }
    }
}

/// What the pass knows about a metric so far.
struct MetricState {
    kind: Option<MetricKind>,
    enabled: bool,
    /// The settings its definition fixed, to check later actions against.
    fixed: Option<MetricKindSpec<'static>>,
    /// Its current `to` and where it was given: no action may follow it.
    to: Option<(GoDuration, Span)>,
    /// The strings its identity is made of now, and the set they resolve to
    /// (`None` when they do not).
    sets: SetSources,
    set: Option<SeriesSet>,
    /// Its attribute levels now (resource, scope, datapoint), to find a churned range in.
    levels: [Cow<'static, [KeyValue<'static>]>; 3],
    /// The expression churn replaces values of, once an action gave `churn`.
    churned: Option<usize>,
}

impl MetricState {
    fn new(kind: Option<MetricKind>) -> Self {
        MetricState {
            kind,
            enabled: true,
            fixed: None,
            to: None,
            sets: SetSources::default(),
            set: None,
            levels: Default::default(),
            churned: None,
        }
    }
}

/// One rule for `to`: it ends the metric for good. An action on the metric at
/// a later tick would either be ignored or bring it back, so it is an error
/// (`true` when one was reported).
fn after_to(r: &mut Reader<'_>, a: &RawAction<'_>, state: Option<&MetricState>) -> bool {
    let Some(&(to, span)) = state.and_then(|s| s.to.as_ref()) else { return false };
    // The engine's ticks: an `at` between seconds acts at the next one, a `to` covers its whole second.
    if a.at.ceil_secs() <= to.floor_secs() {
        return false;
    }
    let where_to = r.rep.describe(span);
    r.rep.error(
        a.name_span,
        format!(
            "metric `{}` ended at its `to` ({to}, set at {where_to}), so an action at {} cannot change it; \
             give the earlier action a later `to` (or none), or define a new metric",
            a.name, a.at
        ),
    );
    true
}

/// The checked script (in merged-file order) and the run's duration.
pub(crate) struct CheckedScript {
    pub actions: Vec<Action<'static>>,
    pub duration: GoDuration,
}

/// Checks the merged script; `None` when anything was reported.
pub(crate) fn check(rep: &mut Reporter, merged: &Merged<'_>) -> Option<CheckedScript> {
    let script = &merged.script;
    let mut order: Vec<usize> = (0..script.len()).collect();
    // Stable: actions sharing an `at` keep their order in the merged files.
    order.sort_by_key(|&i| script[i].at);

    let mut first_defs: BTreeMap<&str, FirstDefinition> = BTreeMap::new();
    for &i in &order {
        let a = &script[i];
        if a.kind == RawKind::Emitter {
            first_defs.entry(a.name.as_str()).or_insert(FirstDefinition { at: a.at, span: a.name_span });
        }
    }

    let errors_before = rep.error_count();
    let mut emitters: BTreeMap<&str, EmitterState> = BTreeMap::new();
    let mut metrics: BTreeMap<&str, MetricState> = BTreeMap::new();
    // The trace templates defined so far (a broken definition still defines its name).
    let mut trace_names: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    let mut log_shapes: std::collections::BTreeMap<&str, logs::LogShape> = std::collections::BTreeMap::new();
    let mut built: Vec<Option<Action<'static>>> = (0..script.len()).map(|_| None).collect();
    for &i in &order {
        let a = &script[i];
        let mut r = Reader { rep: &mut *rep, file: a.span.file };
        let ctx = Context { name: &a.name, at: a.at, emitters: &first_defs };
        let kind = match a.kind {
            RawKind::Emitter => emitter_action(&mut r, a, &mut emitters, &ctx).map(ActionKind::Emitter),
            RawKind::Metric => metric_action(&mut r, a, &mut metrics, &ctx).map(ActionKind::Metric),
            RawKind::Disable | RawKind::Enable => lifetime_action(&mut r, a, &mut metrics),
            RawKind::Trace => {
                let defining = trace_names.insert(&a.name);
                let spec = a.spec.filter(|_| !a.broken);
                spec.and_then(|spec| traces::read(&mut r, spec, a, defining, &ctx)).map(ActionKind::Trace)
            }
            RawKind::Log => {
                let defining = !log_shapes.contains_key(a.name.as_str());
                let shape = log_shapes.entry(&a.name).or_default();
                let spec = a.spec.filter(|_| !a.broken);
                spec.and_then(|spec| logs::read(&mut r, spec, (a, defining, shape), &ctx)).map(ActionKind::Log)
            }
        };
        built[i] = kind.map(|kind| Action { at: a.at, name: Cow::Owned(a.name.clone()), kind });
    }

    let last = order.last().map(|&i| &script[i]);
    let duration = match (merged.settings.duration, last) {
        (Some((d, span)), Some(last)) if d < last.at => {
            let where_at = rep.describe(last.at_span);
            rep.error(
                span,
                format!(
                    "`duration` {d} is shorter than the last action's `at` ({} at {where_at}); \
                     make it at least {} or leave it out",
                    last.at, last.at
                ),
            );
            d
        }
        (Some((d, _)), _) => d,
        (None, Some(last)) => {
            GoDuration::from_nanos(last.at.as_nanos().saturating_add(GoDuration::from_secs(1).as_nanos()))
        }
        (None, None) => GoDuration::from_secs(1),
    };
    if duration.floor_secs() > MAX_TICK {
        // Where it is set: `duration`, or the last action's `at` it is derived from.
        let span = merged.settings.duration.map(|(_, span)| span).or(last.map(|l| l.at_span));
        if let Some(span) = span {
            rep.error(
                span,
                format!(
                    "a run lasts at most {} (about 136 years: every tick is kept in 32 bits), found {duration}",
                    GoDuration::from_secs(MAX_TICK as i64)
                ),
            );
        }
    }
    if let Some((start, start_span)) = merged.settings.wallclock_start
        && let Err(e) = start.run_end(duration)
    {
        // Where the end is set: `duration`, or the start when the duration is derived.
        let span = merged.settings.duration.map_or(start_span, |(_, span)| span);
        rep.error(span, e.to_string());
    }
    if rep.error_count() > errors_before {
        return None;
    }
    let actions = built.into_iter().flatten().collect();
    Some(CheckedScript { actions, duration })
}

/// Finds the `type` entry of a spec map without judging the other keys yet.
fn type_entry(spec: &Node) -> Option<&Node> {
    let Value::Map(entries) = &spec.value else { return None };
    entries.iter().find(|(k, v)| k.value == Value::Str("type".into()) && v.value != Value::Null).map(|(_, v)| v)
}

fn emitter_action<'s>(
    r: &mut Reader<'_>,
    a: &'s RawAction<'_>,
    emitters: &mut BTreeMap<&'s str, EmitterState>,
    ctx: &Context<'_>,
) -> Option<EmitterAction<'static>> {
    let current = emitters.get(a.name.as_str()).map(|s| s.ty);
    let Some(spec) = a.spec.filter(|_| !a.broken) else {
        // Already reported; still defines the name so references to it do not cascade.
        emitters.entry(&a.name).or_insert(EmitterState::new(None));
        return None;
    };
    if !matches!(spec.value, Value::Map(_)) {
        r.error(spec, format!("`spec` of emitter `{}` must be a map, found {}", a.name, spec.value.kind()));
        emitters.entry(&a.name).or_insert(EmitterState::new(None));
        return None;
    }
    let choices: Vec<(&str, EmitterType)> = KINDS
        .iter()
        .flat_map(|k| std::iter::once(k.name).chain(k.aliases.iter().copied()).map(|n| (n, k.ty)))
        .collect();
    let given = type_entry(spec).map(|n| match &n.value {
        Value::Str(w) if let Some(hint) = EmitterType::type_hint(w) => {
            r.error(n, hint);
            None
        }
        _ => r.choice(n, "emitter type", &choices),
    });
    let ty = match (given, current) {
        (Some(given), _) => given,
        (None, Some(current)) => current,
        (None, None) => {
            let names = KINDS.iter().map(|k| k.name);
            r.error(
                spec,
                format!("emitter `{}` is defined here, so its `spec` needs a `type` ({})", a.name, list(names)),
            );
            None
        }
    };
    // A new emitter, or a different type, starts from scratch: required fields apply.
    let fresh = match current {
        None => true,
        Some(cur) => ty.is_some() && cur != ty,
    };
    let state = emitters.entry(&a.name).or_insert(EmitterState::new(ty));
    state.ty = ty;
    let ty = ty?;
    let what = format!("the spec of emitter `{}`", a.name);
    let mut keys = ty.keys();
    keys.push(("shared", "shared"));
    let f = r.fields(spec, &what, &keys)?;
    let shared = shared_setting(r, a, &f, ty, &mut state.shared)?;
    let mut draws = if shared {
        DrawSink::Refuse(format!("emitter `{}` is shared, one value for every series", a.name))
    } else {
        DrawSink::Collect(Vec::new())
    };
    let spec = ty.read(r, &f, ctx, (fresh, &mut draws), &mut state.remembered)?;
    let per_series = match draws {
        DrawSink::Collect(list) => Cow::Owned(list),
        DrawSink::Refuse(_) => Cow::Borrowed(&[][..]),
    };
    Some(EmitterAction { spec, shared, per_series })
}

/// Reads an emitter action's `shared`: fixed by the emitter's definition (a
/// later action may repeat it, not change it), and only for a kind that adds a
/// value of its own. `None` after reporting a problem.
fn shared_setting(
    r: &mut Reader<'_>,
    a: &RawAction<'_>,
    f: &Fields<'_>,
    ty: EmitterType,
    current: &mut Option<bool>,
) -> Option<bool> {
    let given = match f.get("shared") {
        Some(n) => Some((r.boolean(n, "`shared`")?, n)),
        None => None,
    };
    let shared = match (given, *current) {
        (Some((b, n)), Some(cur)) if b != cur => {
            let was = if cur { "shared" } else { "not shared" };
            r.error(
                n,
                format!("emitter `{}` is {was} since its definition; a later action cannot change `shared`", a.name),
            );
            return None;
        }
        (Some((b, _)), _) => b,
        (None, cur) => cur.unwrap_or(false),
    };
    *current = Some(shared);
    if shared && !ty.adds() {
        let at = f.get("shared").or_else(|| f.get("type")).map_or(f.span, |n| r.span(n));
        let message = format!(
            "emitter `{}` is shared, but `{}` transforms each series' own value and keeps no state: only an \
             emitter that adds a value of its own (a constant, ramp, walk, noise, wave, sequence or steps) can be \
             shared",
            a.name,
            ty.name()
        );
        r.rep.error(at, message);
        return None;
    }
    Some(shared)
}

fn metric_action<'s>(
    r: &mut Reader<'_>,
    a: &'s RawAction<'_>,
    metrics: &mut BTreeMap<&'s str, MetricState>,
    ctx: &Context<'_>,
) -> Option<MetricSpec<'static>> {
    let current = metrics.get(a.name.as_str()).map(|m| m.kind);
    let Some(spec) = a.spec.filter(|_| !a.broken) else {
        metrics.entry(&a.name).or_insert(MetricState::new(None));
        return None;
    };
    if after_to(r, a, metrics.get(a.name.as_str())) {
        return None;
    }
    let kinds: Vec<(&str, MetricKind)> = MetricKind::ALL.iter().map(|k| (k.type_name(), *k)).collect();
    let given = type_entry(spec).map(|n| (r.choice(n, "metric type", &kinds), n));
    let kind = match (given, current) {
        (Some((Some(k), n)), Some(Some(cur))) if k != cur => {
            let (cur, k) = (cur.type_name(), k.type_name());
            r.error(n, format!("metric `{}` is a {cur}; a later action cannot change it to a {k}", a.name));
            None
        }
        (Some((k, _)), _) => k,
        (None, Some(cur)) => cur,
        (None, None) => {
            if matches!(spec.value, Value::Map(_)) {
                let names = MetricKind::ALL.iter().map(|k| k.type_name());
                let message =
                    format!("metric `{}` is defined here, so its `spec` needs a `type` ({})", a.name, list(names));
                r.error(spec, message);
            }
            None
        }
    };
    let defining = current.is_none();
    if defining {
        metrics.insert(&a.name, MetricState::new(kind));
    }
    let (read, sets) = metrics::read(r, spec, a, kind, defining, ctx)?;
    let state = metrics.get_mut(a.name.as_str())?;
    state.sets.overlay(sets);
    let checked = state.sets.check(r.rep, &a.name);
    let before = std::mem::replace(&mut state.set, checked);
    let set = state.set.as_ref()?;
    if let Some(before) = &before
        && !set.same_expressions(before)
        && (state.churned.is_some() || read.churn.is_some())
    {
        let at = state.sets.first_expression().unwrap_or(a.name_span);
        r.rep.error(
            at,
            format!(
                "metric `{}` churns, so a reconfiguration may change the literal text of its name and attributes, \
                 not its brace expressions (its set of {} series would become one of {}): define another metric \
                 for the new series",
                a.name,
                before.count(),
                set.count()
            ),
        );
        return None;
    }
    for (level, given) in state.levels.iter_mut().zip([&read.resource, &read.scope, &read.datapoint]) {
        if let Some(given) = given {
            *level = given.clone();
        }
    }
    if let Some(churn) = &read.churn {
        let levels = [&state.levels[0][..], &state.levels[1][..], &state.levels[2][..]];
        let node = entry(spec, "churn").map_or(spec, |c| entry(c, "attribute").unwrap_or(c));
        match churn_expression(set, levels, churn.attribute.as_deref()) {
            Err(message) => {
                r.error(node, format!("metric `{}`: {message}", a.name));
                return None;
            }
            Ok(e) if state.churned.is_some_and(|c| c != e) => {
                let message = format!("metric `{}`: churn replaces the values of the range it was first given", a.name);
                r.error(node, format!("{message}; a later action cannot churn another"));
                return None;
            }
            Ok(e) => state.churned = Some(e),
        }
    }
    if let Some(to) = read.to {
        let Value::Map(entries) = &spec.value else { return None };
        let node = entries.iter().find(|(k, _)| k.value == Value::Str("to".into())).map_or(spec, |(_, v)| v);
        state.to = Some((to, r.span(node)));
    }
    match &state.fixed {
        None => state.fixed = Some(read.kind.clone()),
        Some(fixed) => check_unchanged(r, spec, &a.name, fixed, &read)?,
    }
    Some(read)
}

/// The value of `key` in the map `node`, if it is one and has it.
fn entry<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    let Value::Map(entries) = &node.value else { return None };
    entries.iter().find(|(k, _)| k.value == Value::Str(key.into())).map(|(_, v)| v)
}

/// Settings a metric's definition fixes: a later action may repeat them, not change them.
fn check_unchanged(
    r: &mut Reader<'_>,
    spec: &Node,
    name: &str,
    fixed: &MetricKindSpec<'static>,
    later: &MetricSpec<'static>,
) -> Option<()> {
    let bad = fixed.changed(&later.kind);
    if bad.is_empty() {
        return Some(());
    }
    let Value::Map(entries) = &spec.value else { return None };
    for key in bad {
        let node = entries.iter().find(|(k, _)| k.value == Value::Str(key.into())).map_or(spec, |(k, _)| k);
        r.error(node, format!("metric `{name}`: `{key}` is fixed by its definition and cannot change"));
    }
    None
}

fn lifetime_action<'s>(
    r: &mut Reader<'_>,
    a: &'s RawAction<'_>,
    metrics: &mut BTreeMap<&'s str, MetricState>,
) -> Option<ActionKind<'static>> {
    let enable = a.kind == RawKind::Enable;
    let verb = if enable { "enableMetric" } else { "disableMetric" };
    if a.broken {
        return None;
    }
    let Some(state) = metrics.get_mut(a.name.as_str()) else {
        let hint = match did_you_mean(&a.name, metrics.keys().copied()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => String::new(),
        };
        r.rep.error(a.name_span, format!("{verb} `{}`: no metric `{}` is defined by {}{hint}", a.name, a.name, a.at));
        return None;
    };
    if after_to(r, a, Some(&*state)) {
        return None;
    }
    if state.enabled == enable {
        let already = if enable { "enabled" } else { "disabled" };
        r.rep.error(a.name_span, format!("{verb} `{}` at {}: the metric is already {already}", a.name, a.at));
        return None;
    }
    state.enabled = enable;
    Some(if enable { ActionKind::EnableMetric } else { ActionKind::DisableMetric })
}
