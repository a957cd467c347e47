//! A run of features read into flat buffers on one thread: the property keys in first-seen
//! order, each feature's cells as (column slot, text range) and the text they point into.
//! Ordinary features (`"type": "Feature"`, a Point or no geometry, string or number id) are
//! read straight from their text with no JSON tree; anything else goes through
//! [`Parsed`](super::Parsed), so its handling and messages are those of the `geojson` crate.

use std::fmt::Write;
use std::ops::Range;

use serde::Deserialize;
use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::Parsed;
use crate::crs::Reader;
use crate::data::cells::{Cell, CellRun};
use crate::data::geometry::point;
use crate::model::LonLat;

/// The slot of the feature's `id` (property key `k` has slot `k`).
pub(super) const ID_SLOT: u32 = u32::MAX - 2;
pub(super) const LON_SLOT: u32 = u32::MAX - 1;
pub(super) const LAT_SLOT: u32 = u32::MAX;

/// One feature: a firm with its cells, or why it is skipped.
#[derive(Debug, PartialEq)]
pub(super) enum Row {
    Firm { ll: LonLat, cells: Range<usize> },
    Skip { kind: &'static str, message: String },
}

#[derive(Debug, Default)]
pub(super) struct Block {
    pub run: CellRun,
    pub rows: Vec<Row>,
    /// A feature's text was not JSON at all (only when the features were found by
    /// [`super::scan`], which checks no more than their brackets): the file is then read
    /// whole, for the JSON reader's message with its line and column.
    pub broken: bool,
}

impl Block {
    /// Reads one feature's text: straight into the buffers when it is an ordinary feature,
    /// otherwise through the `geojson` crate (the buffers first put back as they were).
    pub fn push_text(&mut self, raw: &str, reader: &Reader) {
        let mark = self.run.mark();
        let first_cell = self.run.cells.len();
        let mut de = serde_json::Deserializer::from_str(raw);
        match (&mut de).deserialize_map(FeatureVisitor { block: self }) {
            Ok(feature) => self.push_read(feature, first_cell, reader),
            Err(_) => {
                self.run.rollback(mark);
                let parsed = Parsed::of_text(raw);
                self.broken |= matches!(parsed, Parsed::Bad(None, _));
                self.push_parsed(parsed, reader);
            }
        }
    }

    /// Adds a feature read by the fast path: the id's cell goes first (properties named `id`
    /// overwrite it) and the coordinates last, whatever order the file wrote them in.
    fn push_read(&mut self, f: Read, first_cell: usize, reader: &Reader) {
        if let Some((start, end)) = f.id {
            let id = Cell {
                slot: ID_SLOT,
                start,
                end,
            };

            self.run.cells.insert(first_cell, id);
        }
        let Some(coords) = f.coords else {
            self.run.cells.truncate(first_cell);
            return self.skip("no_geometry", "feature has no geometry".into());
        };
        let position = geojson::Position::from(coords.as_slice().to_vec());
        self.push_point(&position, first_cell, reader);
    }

    /// Adds a feature read by the `geojson` crate (or why it is not one).
    pub fn push_parsed(&mut self, parsed: Parsed, reader: &Reader) {
        let feature = match parsed {
            Parsed::Good(f) => f,
            Parsed::Bad(v, e) => {
                let props = v.as_ref().and_then(|v| v.get("properties")?.as_object());
                for k in props.into_iter().flat_map(|p| p.keys()) {
                    self.run.slot(k);
                }
                return self.skip("bad_feature", format!("not a valid GeoJSON feature ({e})"));
            }
        };
        let first_cell = self.run.cells.len();
        if let Some(id) = &feature.id {
            let text = match id {
                geojson::feature::Id::String(s) => s.clone(),
                geojson::feature::Id::Number(n) => n.to_string(),
            };
            self.run.push(ID_SLOT, &text);
        }
        for (k, v) in feature.properties.iter().flatten() {
            let slot = self.run.slot(k);
            let start = self.run.text.len();
            write_value(&mut self.run.text, v);
            self.run.close(slot, start);
        }
        let Some(geom) = &feature.geometry else {
            self.run.cells.truncate(first_cell);
            return self.skip("no_geometry", "feature has no geometry".into());
        };
        let geojson::GeometryValue::Point { coordinates } = &geom.value else {
            self.run.cells.truncate(first_cell);
            let message = format!(
                "{} is not a Point; firms must be points",
                crate::data::geometry::type_name(&geom.value)
            );
            return self.skip("wrong_geometry_type", message);
        };
        self.push_point(coordinates, first_cell, reader);
    }

    /// Ends a feature with its position: a firm with its raw coordinates as two cells, or
    /// skipped with the position's problem.
    fn push_point(&mut self, p: &geojson::Position, first_cell: usize, reader: &Reader) {
        match point(p, reader) {
            Ok(ll) => {
                let raw = p.as_slice();
                for (slot, x) in [(LON_SLOT, raw.first()), (LAT_SLOT, raw.get(1))] {
                    let start = self.run.text.len();
                    if let Some(x) = x {
                        let _ = write!(self.run.text, "{x}");
                    }
                    self.run.close(slot, start);
                }
                let cells = first_cell..self.run.cells.len();
                self.rows.push(Row::Firm { ll, cells });
            }
            Err(problem) => {
                self.run.cells.truncate(first_cell);
                self.skip(problem.kind, problem.message);
            }
        }
    }

    fn skip(&mut self, kind: &'static str, message: String) {
        self.rows.push(Row::Skip { kind, message });
    }
}

/// A property's text as the table keeps it: strings as they are, null empty, anything else
/// as compact JSON.
fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => {}
        Value::String(s) => out.push_str(s),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// What the fast path read of a feature besides its properties' cells.
struct Read {
    /// The id's text range in the block.
    id: Option<(u32, u32)>,
    coords: Option<Coords>,
}

/// A Point's two or three coordinates.
#[derive(Default)]
struct Coords {
    xs: [f64; 3],
    len: usize,
}

impl Coords {
    fn as_slice(&self) -> &[f64] {
        self.xs.get(..self.len).unwrap_or(&[])
    }
}

fn not_plain<E: de::Error>() -> E {
    E::custom("not a plain feature")
}

/// A feature object. Fails (to the slow path) on a repeated or `bbox` member, a `type`
/// other than `Feature`, or anything the reader of a part fails on.
struct FeatureVisitor<'b> {
    block: &'b mut Block,
}

impl<'de> Visitor<'de> for FeatureVisitor<'_> {
    type Value = Read;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON feature")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        let (mut kind, mut props, mut id, mut geometry) = (false, false, None, None);
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "type" if !kind => {
                    kind = map.next_value::<&str>()? == "Feature";
                    if !kind {
                        return Err(not_plain());
                    }
                }
                "properties" if !props => {
                    props = true;
                    map.next_value_seed(PropsSeed(self.block))?;
                }
                "id" if id.is_none() => {
                    let start = self.block.run.text.len();
                    map.next_value_seed(TextSeed {
                        out: &mut self.block.run.text,
                        id: true,
                    })?;
                    id = Some((start as u32, self.block.run.text.len() as u32));
                }
                "geometry" if geometry.is_none() => {
                    geometry = Some(map.next_value_seed(GeometrySeed)?);
                }
                "type" | "properties" | "id" | "geometry" | "bbox" => return Err(not_plain()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !kind {
            return Err(not_plain());
        }
        Ok(Read {
            id,
            coords: geometry.flatten(),
        })
    }
}

/// `properties`: an object (each value a cell) or null.
struct PropsSeed<'b>(&'b mut Block);

impl<'de> DeserializeSeed<'de> for PropsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let block = self.0;
        while let Some(slot) = map.next_key_seed(KeySeed(block))? {
            let start = block.run.text.len();
            map.next_value_seed(TextSeed {
                out: &mut block.run.text,
                id: false,
            })?;
            block.run.close(slot, start);
        }
        Ok(())
    }
}

/// A property key, escaped or not: its slot.
struct KeySeed<'b>(&'b mut Block);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = u32;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u32, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = u32;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u32, E> {
        Ok(self.0.run.slot(v))
    }
}

/// A property value, or with `id` set the feature's id, written as the table keeps it (see
/// [`write_value`]): scalars straight from the parser, arrays and objects through a JSON tree.
/// An id may only be a string or a number (null and anything else go the slow way).
struct TextSeed<'b> {
    out: &'b mut String,
    id: bool,
}

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl TextSeed<'_> {
    /// Writes a value other than a string or a number (refused for an id).
    fn other<E: de::Error>(self, v: impl FnOnce() -> Result<Value, E>) -> Result<(), E> {
        if self.id {
            return Err(not_plain());
        }
        write_value(self.out, &v()?);
        Ok(())
    }

    fn number<E: de::Error>(self, n: Option<Number>) -> Result<(), E> {
        let n = n.ok_or_else(not_plain::<E>)?;
        let _ = write!(self.out, "{n}");
        Ok(())
    }
}

impl<'de> Visitor<'de> for TextSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.out.push_str(v);
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(Some(Number::from(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(Some(Number::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.number(Number::from_f64(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.other(|| Ok(Value::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.other(|| Ok(Value::Bool(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.other(|| Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.other(|| Deserialize::deserialize(de::value::MapAccessDeserializer::new(map)))
    }
}

/// `geometry`: null, or a Point with two or three coordinates and no other members.
struct GeometrySeed;

impl<'de> DeserializeSeed<'de> for GeometrySeed {
    type Value = Option<Coords>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GeometrySeed {
    type Value = Option<Coords>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Point or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut point, mut coords) = (false, None);
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "type" if !point => {
                    point = map.next_value::<&str>()? == "Point";
                    if !point {
                        return Err(not_plain());
                    }
                }
                "coordinates" if coords.is_none() => {
                    coords = Some(map.next_value_seed(CoordsSeed)?);
                }
                _ => return Err(not_plain()),
            }
        }
        match (point, coords) {
            (true, Some(c)) => Ok(Some(c)),
            _ => Err(not_plain()),
        }
    }
}

struct CoordsSeed;

impl<'de> DeserializeSeed<'de> for CoordsSeed {
    type Value = Coords;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Coords, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for CoordsSeed {
    type Value = Coords;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("two or three numbers")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        let mut c = Coords::default();
        while let Some(x) = seq.next_element::<f64>()? {
            let slot = c.xs.get_mut(c.len).ok_or_else(not_plain::<A::Error>)?;
            *slot = x;
            c.len += 1;
        }
        if c.len < 2 {
            return Err(not_plain());
        }
        Ok(c)
    }
}
