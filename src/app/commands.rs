//! Applying the commands panels push during a frame (loads, selection, zoom, language,
//! zones, undo), after the frame has been drawn.

use std::sync::Arc;

use super::*;

impl ClusterAtlasApp {
    pub(super) fn apply_commands(&mut self, ctx: &egui::Context) {
        let mut deferred = Vec::new();
        for c in std::mem::take(&mut self.commands) {
            match c {
                // Loads wait for the running job (e.g. zones then firms given at start).
                c @ (Command::LoadFirms(..) | Command::LoadZones(..)) if self.job.is_some() => {
                    deferred.push(c)
                }
                Command::RunAnalysis => self.start_analysis(ctx),
                Command::LoadFirms(path, opts) => {
                    self.job = Some(jobs::load_firms(ctx, self.data.clone(), path, opts))
                }
                Command::LoadZones(path, opts) => {
                    self.job = Some(jobs::load_zones(ctx, self.data.clone(), path, opts))
                }
                // A project file opened by path or dropped on the window opens as a project.
                Command::OpenImport(path) if project::is_project_file(&path) => {
                    self.commands.push(Command::OpenProject(path))
                }
                Command::OpenImport(path) => {
                    self.import = Some(ImportDialog::new(path, &self.settings))
                }
                Command::FitData => {
                    if let Some(s) = &self.scene {
                        let vp = self.viewport();
                        self.settings.view = Some(Viewport::fit(
                            s.data_bounds,
                            vp.width_px,
                            vp.height_px,
                            0.06,
                        ));
                    }
                }
                Command::FitCity => {
                    if let Some(b) = self.data.basemap().district_bounds() {
                        let vp = self.viewport();
                        self.settings.view =
                            Some(Viewport::fit(b, vp.width_px, vp.height_px, 0.03));
                    }
                }
                Command::ZoomToZone(z) => self.zoom_to_zone(z),
                Command::ZoomToFirm(f) => self.zoom_to_firm(f),
                Command::Select(Pick::Place(xy)) => {
                    let p = self.data.index.projection.unproject(xy);
                    self.site_picked(p);
                }
                Command::SetSite(site) => {
                    self.site = site;
                    self.selection = Selection::default();
                }
                Command::Select(p) => {
                    self.selection = match p {
                        Pick::Firm(f) => Selection {
                            zone: None,
                            firm: Some(f),
                        },
                        Pick::Zone(z) => Selection {
                            zone: Some(z),
                            firm: None,
                        },
                        Pick::Nothing | Pick::Place(_) => Selection::default(),
                    };
                }
                Command::SetLang(l) => self.settings.scene.lang = l,
                Command::ApplyZones(zones, source) => {
                    if self.job.is_some() {
                        deferred.push(Command::ApplyZones(zones, source));
                    } else {
                        let note = format!("15 slots filled from {source}");
                        self.job = Some(jobs::with_zones(ctx, self.data.clone(), zones, note));
                    }
                }
                Command::MergeZones(zones, note) => {
                    if self.job.is_some() {
                        deferred.push(Command::MergeZones(zones, note));
                    } else {
                        self.merge_zones(ctx, zones, note);
                    }
                }
                Command::StartDigitiser(target) => self.start_digitiser(target),
                Command::SaveZones(path) => self.save_zones(&path),
                Command::AskSaveTable(tab) => {
                    let name = format!("{tab:?}.csv").to_lowercase();
                    self.save_table_path = Some((tab, name));
                }
                Command::SaveTable(tab, path) => self.save_table(tab, &path),
                Command::UndoLoad => {
                    if let Some((before, _)) = self.previous.take()
                        && self.job.is_none()
                    {
                        if !self.undo_is_edit {
                            self.settings.open = self.previous_open.take().unwrap_or_default();
                        }
                        self.data = before;
                        self.settings.digitised = self.digitised_features();
                        self.results = None;
                        self.selection = Selection::default();
                        self.advice = None;
                        self.start_analysis(ctx);
                    }
                }
                Command::ResetBundled => {
                    if self.show_bundled() {
                        self.project = None;
                        self.start_analysis(ctx);
                    }
                }
                c @ Command::OpenProject(_) if self.job.is_some() => deferred.push(c),
                Command::OpenProject(path) => self.open_project(ctx, &path),
                Command::AskSaveProject => {
                    self.save_project_path = Some(match &self.project {
                        Some(p) => p.display().to_string(),
                        None => String::new(),
                    })
                }
                Command::SaveProject(path) => self.save_project(&path),
            }
        }
        self.commands.extend(deferred);
        self.note_selection();
    }

    /// Selects zone `z` and fits the view to it (with a margin of 2.5 km).
    fn zoom_to_zone(&mut self, z: usize) {
        if let Some(shape) = self.data.index.shape_of(z) {
            let (lo, hi) = shape.plane_bounds();
            let pad = 2500.0;
            let b = (
                crate::model::Xy::new(lo.x - pad, lo.y - pad),
                crate::model::Xy::new(hi.x + pad, hi.y + pad),
            );
            let vp = self.viewport();
            self.settings.view = Some(Viewport::fit(b, vp.width_px, vp.height_px, 0.05));
        }
        self.selection = Selection {
            zone: Some(z),
            firm: None,
        };
    }

    /// Selects firm `f` and centres the view on it, zooming in to street level.
    fn zoom_to_firm(&mut self, f: usize) {
        if let Some(p) = self.data.index.firm_xy.get(f) {
            let mut vp = self.viewport();
            vp.centre = *p;
            vp.m_per_px = vp.m_per_px.min(8.0);
            self.settings.view = Some(vp);
        }
        self.selection = Selection {
            zone: None,
            firm: Some(f),
        };
    }

    /// Shows the bundled data with nothing selected and no files open (the user's files are
    /// forgotten for the next start); false, with a message, if it cannot be read.
    pub(super) fn show_bundled(&mut self) -> bool {
        match Dataset::bundled() {
            Ok(mut d) => {
                self.settings.open = Default::default();
                d.generation = self.data.generation + 1;
                self.data = Arc::new(d);
                self.results = None;
                self.selection = Selection::default();
                self.advice = None;
                true
            }
            Err(e) => {
                let en = e.to_string();
                let zh = super::reasons::report_text(&en, crate::model::Lang::Zh);
                self.messages.push(Message::both(true, self.lang(), zh, en));
                false
            }
        }
    }
}
