//! `constant`: adds a fixed value; reconfiguring jumps at once.

use crate::scenario::ConstantSpec;

/// A constant emitter's current configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Constant {
    pub value: f64,
}

impl Constant {
    pub fn new(spec: &ConstantSpec) -> Self {
        Constant { value: spec.value.unwrap_or(0.0) }
    }

    pub fn reconfigure(&mut self, spec: &ConstantSpec) {
        if let Some(v) = spec.value {
            self.value = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_overlay() {
        let mut c = Constant::new(&ConstantSpec { value: None });
        assert_eq!(c.value, 0.0);
        c.reconfigure(&ConstantSpec { value: Some(10.5) });
        assert_eq!(c.value, 10.5);
        c.reconfigure(&ConstantSpec { value: None });
        assert_eq!(c.value, 10.5);
    }
}
