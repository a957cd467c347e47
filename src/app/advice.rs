//! The advisor's answer for the selected firm or the user's own site (*My site…*): computed on
//! a background task (the stability draws and, after a radius change, the per-zone counts are
//! too heavy for a frame), cached per site and settings.

use std::sync::Arc;

use super::jobs::{self, Task};
use super::{ClusterAtlasApp, Message};
use crate::analysis::relocate::{Advisor, AdvisorParams, Site, Suggestion, stability};
use crate::scene::Selection;

/// Spread of the stability draws (the CLI's `--sigma` default).
pub const STABILITY_SIGMA: f64 = 0.35;

/// The advice for one site under one set of settings: still being computed, or ready.
pub struct Advice {
    site: Site,
    key: String,
    state: AdviceState,
}

enum AdviceState {
    Running(Task<Suggestion>),
    Ready(Box<Suggestion>),
    Failed,
}

impl ClusterAtlasApp {
    /// The site the inspector advises: the selected firm (no zone selected), else the user's
    /// own site when nothing is selected.
    pub fn advice_site(&self) -> Option<Site> {
        match self.selection {
            Selection {
                zone: None,
                firm: Some(f),
            } => Site::of_firm(&self.data.firms, f),
            Selection {
                zone: None,
                firm: None,
            } => self.site.clone(),
            _ => None,
        }
    }

    /// Starts or polls the advice for the site the inspector shows ([`Self::advice_site`],
    /// after an analysis); a failure is reported once in the messages. Called once per frame
    /// before the panels draw, so they only read [`Self::advice`].
    pub fn update_advice(&mut self, ctx: &egui::Context) {
        let Some(site) = self.advice_site() else {
            return;
        };
        let Some(results) = self.results.clone() else {
            return;
        };
        let s = &self.settings;
        let params = AdvisorParams {
            weights: s.weights,
            radius_m: s.advisor_radius_m,
            commute_radius_m: s.commute_radius_m,
            distance_cost: s.distance_cost,
            margin: s.margin,
            ..Default::default()
        };
        let key = format!("{params:?}{}{:p}", s.stability_draws, Arc::as_ptr(&results));
        let fresh = matches!(&self.advice, Some(a) if a.site == site && a.key == key);
        if !fresh {
            let (data, fit, draws, asked) = (
                self.data.clone(),
                self.fit.clone(),
                self.settings.stability_draws,
                site.clone(),
            );
            let task = jobs::spawn("advice", ctx, move |_| {
                // The counts prepared with the analysis, unless the radius changed since.
                let prepared = results
                    .advisor
                    .clone()
                    .filter(|a| (a.radius_m - params.radius_m).abs() < 1e-9);
                let (labels, clusters) = (&results.analysis.labels, &results.analysis.clusters);
                let (firms, zones, index) = (&data.firms, &data.zones, &data.index);
                let advisor = match prepared {
                    Some(p) => Advisor::with_context(
                        firms, zones, index, labels, clusters, &fit, params, p,
                    ),
                    None => Advisor::new(firms, zones, index, labels, clusters, &fit, params),
                }
                .map_err(|e| e.to_string())?;
                let draws = stability::weight_draws(advisor.weights(), draws, 1, STABILITY_SIGMA);
                Ok(advisor.suggest(&asked, &draws))
            });
            self.advice = Some(Advice {
                site,
                key,
                state: AdviceState::Running(task),
            });
        }
        let Some(advice) = self.advice.as_mut() else {
            return;
        };
        if let AdviceState::Running(task) = &advice.state {
            match task.poll() {
                None => {}
                Some(Ok(s)) => advice.state = AdviceState::Ready(Box::new(s)),
                Some(Err(e)) => {
                    advice.state = AdviceState::Failed;
                    self.messages.push(Message::reason(true, self.lang(), e));
                }
            }
        }
    }

    /// The advisor's answer for [`Self::advice_site`], once computed.
    pub fn advice(&self) -> Option<&Suggestion> {
        let a = self.advice.as_ref()?;
        match &a.state {
            AdviceState::Ready(s) if self.advice_site().as_ref() == Some(&a.site) => Some(s),
            _ => None,
        }
    }

    /// True while the selected firm's advice is being computed.
    pub fn advice_running(&self) -> bool {
        matches!(
            &self.advice,
            Some(Advice {
                state: AdviceState::Running(_),
                ..
            })
        )
    }
}
