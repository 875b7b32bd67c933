//! How observations spread around a centre: the `distribution` of a histogram
//! (and, later, of a span's duration).

use crate::distributions::{RandomBits, exponential, standard_normal};
use crate::go::float::go_float;
use crate::scenario::read::Reader;
use crate::scenario::yaml::{Node, Value};

/// How observations spread around the chain's value (the centre).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "bake", derive(serde::Serialize))]
pub enum Distribution {
    /// `centre + stdDev · z`.
    Normal {
        /// Standard deviation.
        std_dev: f64,
    },
    /// `centre · exp(sigma · z)`: the centre is the median.
    LogNormal {
        /// σ of the logarithm.
        sigma: f64,
    },
    /// Exponential with the centre as its mean.
    Exponential,
    /// Uniform over `centre ± width / 2`.
    Uniform {
        /// The interval's width.
        width: f64,
    },
}

/// A distribution's name, its parameter's key (if any), and how to make it.
type DistributionType = (&'static str, Option<&'static str>, fn(f64) -> Distribution);

/// Every distribution.
const TYPES: &[DistributionType] = &[
    ("normal", Some("stdDev"), |std_dev| Distribution::Normal { std_dev }),
    ("lognormal", Some("sigma"), |sigma| Distribution::LogNormal { sigma }),
    ("exponential", None, |_| Distribution::Exponential),
    ("uniform", Some("width"), |width| Distribution::Uniform { width }),
];

impl Distribution {
    /// The default when a spec sets none (a definition must, so only internal).
    pub(crate) const DEFAULT: Distribution = Distribution::Normal { std_dev: 0.0 };

    /// Its name as written in scenario files.
    pub fn type_name(self) -> &'static str {
        match self {
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Exponential => "exponential",
            Distribution::Uniform { .. } => "uniform",
        }
    }

    /// Whether observations can be centred on `centre` (lognormal and
    /// exponential need a positive one).
    pub(crate) fn accepts(self, centre: f64) -> bool {
        match self {
            Distribution::LogNormal { .. } | Distribution::Exponential => centre > 0.0,
            _ => true,
        }
    }

    /// One observation around `centre`.
    #[inline]
    pub(crate) fn observe(self, centre: f64, rng: &mut impl RandomBits) -> f64 {
        match self {
            Distribution::Normal { std_dev } => centre + std_dev * standard_normal(rng),
            Distribution::LogNormal { sigma } => centre * (sigma * standard_normal(rng)).exp(),
            Distribution::Exponential => exponential(rng, centre),
            Distribution::Uniform { width } => centre + (rng.uniform() - 0.5) * width,
        }
    }

    /// Reads `{type: normal, stdDev: 5}` and the like.
    pub(crate) fn read(r: &mut Reader<'_>, n: &Node) -> Option<Distribution> {
        let Value::Map(entries) = &n.value else {
            r.error(
                n,
                format!("`distribution` must be a map such as `{{type: normal, stdDev: 5}}`, found {}", n.value.kind()),
            );
            return None;
        };
        let Some(type_node) = entries.iter().find(|(k, _)| k.value == Value::Str("type".into())).map(|(_, v)| v) else {
            let names: Vec<&str> = TYPES.iter().map(|(name, _, _)| *name).collect();
            r.error(n, format!("`distribution` needs a `type` ({})", crate::scenario::read::list(names)));
            return None;
        };
        let choices: Vec<(&str, usize)> = TYPES.iter().enumerate().map(|(i, (name, _, _))| (*name, i)).collect();
        let (ty, param, make) = TYPES[r.choice(type_node, "distribution type", &choices)?];
        let keys: Vec<(&str, &'static str)> = std::iter::once(("type", "type")).chain(param.map(|p| (p, p))).collect();
        let f = r.fields(n, &format!("a {ty} `distribution`"), &keys)?;
        let value = match param {
            None => 0.0,
            Some(p) => {
                let Some(node) = f.get(p) else {
                    r.error(n, format!("a {ty} `distribution` needs `{p}`"));
                    return None;
                };
                let v = r.float(node, &format!("`{p}`"))?;
                if v < 0.0 {
                    r.error(node, format!("`{p}` must be at least 0, found {}", go_float(v)));
                    return None;
                }
                v
            }
        };
        Some(make(value))
    }
}
