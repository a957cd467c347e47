//! The advisor's answer for the selected firm, cached per firm and settings.

use super::{ClusterAtlasApp, Message};
use crate::analysis::relocate::{Advisor, AdvisorParams, Suggestion, stability};

impl ClusterAtlasApp {
    /// The advisor's answer for the selected firm (cached per firm and weights).
    pub fn advice_for(&mut self, firm: usize) -> Option<&Suggestion> {
        let results = self.results.clone()?;
        let key = format!(
            "{:?}{}{}",
            self.settings.weights, self.settings.advisor_radius_m, self.settings.stability_draws
        );
        let fresh = matches!(&self.advice, Some((f, k, _)) if *f == firm && *k == key);
        if !fresh {
            let params = AdvisorParams {
                weights: self.settings.weights,
                radius_m: self.settings.advisor_radius_m,
                ..Default::default()
            };
            // The counts prepared with the analysis, unless the radius changed since.
            let prepared = results
                .advisor
                .clone()
                .filter(|a| (a.radius_m - params.radius_m).abs() < 1e-9);
            let advisor = if let Some(prepared) = prepared {
                Advisor::with_context(
                    &self.data.firms,
                    &self.data.zones,
                    &self.data.index,
                    &results.analysis.labels,
                    &results.analysis.clusters,
                    &self.fit,
                    params,
                    prepared,
                )
            } else {
                Advisor::new(
                    &self.data.firms,
                    &self.data.zones,
                    &self.data.index,
                    &results.analysis.labels,
                    &results.analysis.clusters,
                    &self.fit,
                    params,
                )
            };
            match advisor {
                Ok(a) => {
                    let draws = stability::weight_draws(
                        a.weights(),
                        self.settings.stability_draws,
                        1,
                        0.35,
                    );
                    let s = a.suggest(&a.firm_site(firm), &draws);
                    self.advice = Some((firm, key, s));
                }
                Err(e) => {
                    self.messages.push(Message {
                        error: true,
                        text: e.to_string(),
                    });
                    return None;
                }
            }
        }
        self.advice.as_ref().map(|(_, _, s)| s)
    }
}
