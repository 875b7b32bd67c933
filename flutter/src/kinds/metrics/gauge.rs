//! `gauge`: the chain's value at each point.

use super::{MetricKindDef, PointInput, ValueType};
use crate::batch::{DataModel, PointBuffer, PointValue};
use crate::scenario::spec::{DefaultValue, Field};

/// A gauge's settings.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub struct GaugeSpec {
    /// Send doubles or rounded integers (fixed by the definition; default double).
    pub value_type: Option<ValueType>,
}

impl GaugeSpec {
    /// No setting given.
    pub const NONE: GaugeSpec = GaugeSpec { value_type: None };
}

/// The `gauge` kind.
#[derive(Debug)]
pub(crate) struct Gauge;

impl MetricKindDef for Gauge {
    type Spec = GaugeSpec;
    /// Whether values are sent as integers.
    type State<'r> = bool;
    const NAME: &'static str = "gauge";
    const DOC: &'static str =
        "the chain's value (OTLP Gauge); `valueType: int` sends it rounded, halves away from zero";
    const LOG_NAME: &'static str = "MetricGauge";
    const DATA: DataModel = DataModel::Gauge;
    const FIELDS: &'static [Field<GaugeSpec>] =
        &[Field::<GaugeSpec>::choice("valueType", &["double", "int"], |s, i| {
            s.value_type = Some([ValueType::Double, ValueType::Int][i])
        })
        .doc("`double`, or `int` to send the value rounded (halves away from zero); fixed by the definition")
        .default(DefaultValue::Word("double"))];

    fn changed(defined: &GaugeSpec, later: &GaugeSpec) -> Vec<&'static str> {
        let changed = later.value_type.is_some_and(|v| v != defined.value_type.unwrap_or_default());
        if changed { vec!["valueType"] } else { Vec::new() }
    }

    fn new_state(spec: &GaugeSpec) -> bool {
        spec.value_type == Some(ValueType::Int)
    }

    /// A gauge accrues nothing.
    fn restart(_: &mut bool) {}

    /// A finite value is the point; any other goes to [`Self::point`], which drops it.
    #[inline(always)]
    fn direct(int: &bool, value: f64) -> Option<PointValue> {
        if !value.is_finite() {
            return None;
        }
        // Rounding a finite value: `as` saturates outside the i64 range.
        Some(if *int { PointValue::Int(value.round() as i64) } else { PointValue::Double(value) })
    }

    fn point(int: &mut bool, input: PointInput, _: &mut PointBuffer) -> Option<PointValue> {
        Self::direct(int, input.value)
    }
}
