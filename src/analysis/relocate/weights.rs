//! The advisor's weights: user-set, checked against their range, read from JSON objects.

use serde::{Deserialize, Serialize};

use super::Criterion;
use crate::analysis::AnalysisError;
use crate::model::limits;

/// User-set weights (any non-negative numbers; normalised to sum to 1 when used).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub proximity: f64,
    pub industry_fit: f64,
    pub agglomeration: f64,
    pub room: f64,
    pub confidence: f64,
}

impl Default for Weights {
    /// Documented defaults: proximity 30 %, industry fit 25 %, agglomeration 25 %, room 10 %,
    /// data confidence 10 %.
    fn default() -> Self {
        Self {
            proximity: 30.0,
            industry_fit: 25.0,
            agglomeration: 25.0,
            room: 10.0,
            confidence: 10.0,
        }
    }
}

impl Weights {
    pub fn get(&self, c: Criterion) -> f64 {
        match c {
            Criterion::Proximity => self.proximity,
            Criterion::IndustryFit => self.industry_fit,
            Criterion::Agglomeration => self.agglomeration,
            Criterion::Room => self.room,
            Criterion::Confidence => self.confidence,
        }
    }

    pub fn set(&mut self, c: Criterion, v: f64) {
        match c {
            Criterion::Proximity => self.proximity = v,
            Criterion::IndustryFit => self.industry_fit = v,
            Criterion::Agglomeration => self.agglomeration = v,
            Criterion::Room => self.room = v,
            Criterion::Confidence => self.confidence = v,
        }
    }

    /// The weights as fractions summing to 1. Each weight must lie in [`limits::WEIGHT`] (so
    /// their sum can never overflow) and one must be above zero.
    pub fn normalised(&self) -> Result<Shares, AnalysisError> {
        let raw = Criterion::ALL.map(|c| self.get(c));
        for (c, w) in Criterion::ALL.iter().zip(raw) {
            if !limits::WEIGHT.contains(w) {
                return Err(AnalysisError::InvalidParameter(format!(
                    "the advisor weight {} must be between {} and {}, got {}",
                    c.key(),
                    limits::WEIGHT.min,
                    limits::WEIGHT.max,
                    limits::short(w)
                )));
            }
        }
        let sum: f64 = raw.iter().sum();
        if sum <= 0.0 {
            return Err(AnalysisError::InvalidParameter(
                "at least one advisor weight must be above zero".into(),
            ));
        }
        Ok(Shares(raw.map(|w| w / sum)))
    }

    /// Reads weights from a JSON object such as `{"proximity": 40, "room": 5}` (missing keys
    /// keep their defaults). Arrays, unknown keys and values outside [`limits::WEIGHT`] are
    /// refused with a message that names the keys and the range.
    pub fn from_json(text: &str) -> Result<Self, AnalysisError> {
        let bad = |m: String| AnalysisError::InvalidParameter(m);
        let keys = Criterion::ALL.map(|c| c.key()).join(", ");
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| bad(format!("weights must be a JSON object: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(bad(format!(
                "weights must be a JSON object with named keys ({keys}), e.g. \
                 {{\"proximity\": 40, \"room\": 5}}; a list would be read by position"
            )));
        };
        let mut w = Weights::default();
        for (k, v) in &map {
            let Some(c) = Criterion::ALL.iter().find(|c| c.key() == k.as_str()) else {
                return Err(bad(format!(
                    "unknown weight '{}'; the weights are {keys}",
                    crate::model::escape_controls(k)
                )));
            };
            let Some(x) = v.as_f64() else {
                return Err(bad(format!("the weight {k} must be a number, got {v}")));
            };
            w.set(*c, x);
        }
        w.normalised()?;
        Ok(w)
    }
}

/// Weights as fractions summing to 1, named by criterion: what each criterion's normalised
/// value is multiplied by. Made by [`Weights::normalised`] or [`Shares::equal`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shares([f64; Criterion::ALL.len()]);

impl Shares {
    /// Every criterion counts the same.
    pub fn equal() -> Self {
        Self([1.0 / Criterion::ALL.len() as f64; Criterion::ALL.len()])
    }

    /// The share of one criterion.
    pub fn get(&self, c: Criterion) -> f64 {
        self.0[c.index()]
    }

    /// The criteria with their shares, in [`Criterion::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Criterion, f64)> + '_ {
        Criterion::ALL.into_iter().zip(self.0)
    }

    /// Σ share × `value(criterion)`, summed in [`Criterion::ALL`] order.
    pub fn weighted_sum(&self, value: impl Fn(Criterion) -> f64) -> f64 {
        self.iter().map(|(c, share)| share * value(c)).sum()
    }

    /// Each share multiplied by `factor(criterion)` (called in [`Criterion::ALL`] order) and
    /// the set renormalised to sum to 1; shares that were zero stay zero.
    pub fn scaled(&self, mut factor: impl FnMut(Criterion) -> f64) -> Self {
        let mut w = std::array::from_fn(|k| self.0[k] * factor(Criterion::ALL[k]));
        let s: f64 = w.iter().sum();
        if s > 0.0 {
            for x in &mut w {
                *x /= s;
            }
        }
        Self(w)
    }

    /// The sum of the shares (1 up to rounding).
    pub fn sum(&self) -> f64 {
        self.0.iter().sum()
    }
}
