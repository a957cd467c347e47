//! A firm table's attribute columns (id, name, segment, founding and closing dates) found by
//! the words of their headers, for the many ways other programs name them (`FirmID`,
//! `enterprise_name`, `industry_segment`, `产业环节`, `reg_date`, `date founded`). Used only
//! when no header is one of the exact names the loaders know.

/// What a column holds, as far as the loaders care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Id,
    Name,
    Segment,
    Founded,
    Closed,
}

/// A header or key without case, white space, `_`, `-` or a byte-order mark, for matching
/// names loosely (`Founded_Date` = `founded date`, `ZONE_ID` = `zone id`).
pub(crate) fn loose(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words saying a header is about the firm itself.
const FIRM: &[&str] = &[
    "firm",
    "company",
    "companies",
    "enterprise",
    "ent",
    "corp",
    "corporation",
    "org",
    "organisation",
    "organization",
    "business",
];
const ZH_FIRM: &[&str] = &["企业", "公司", "单位", "机构", "商户"];
/// Words saying a header is about something else than the firm (its zone, district,
/// people, contacts, products …): never the firm's id or name.
const OTHER: &[&str] = &[
    "zone",
    "cluster",
    "district",
    "street",
    "subdistrict",
    "park",
    "city",
    "province",
    "region",
    "area",
    "county",
    "town",
    "parent",
    "group",
    "holding",
    "legal",
    "person",
    "representative",
    "rep",
    "contact",
    "owner",
    "manager",
    "file",
    "project",
    "product",
    "brand",
    "shareholder",
    "investor",
    "address",
    "addr",
    "road",
    "building",
    "phone",
    "tel",
    "mobile",
    "email",
    "web",
    "website",
    "url",
    "user",
    "zip",
    "postal",
    "postcode",
    "lon",
    "lng",
    "long",
    "lat",
    "x",
    "y",
    "unnamed",
    "index",
];
const ZH_OTHER: &[&str] = &[
    "区", "街道", "园", "法人", "联系", "电话", "地址", "邮编", "邮政", "产品", "品牌", "项目",
    "股东", "经度", "纬度", "坐标",
];
/// The last word of an identifier's header.
const ID_LAST: &[&str] = &[
    "id", "uid", "code", "no", "nr", "num", "number", "key", "uscc",
];
const ZH_ID: &[&str] = &["编号", "代码", "编码", "注册号", "序号"];
/// Segment words: the strong ones name a chain's segment, the weak ones a broader class.
const SEGMENT_STRONG: &[&str] = &["segment", "segments", "sector", "subsector", "niche"];
const SEGMENT_WEAK: &[&str] = &["industry", "industries", "category", "class", "chain"];
const ZH_SEGMENT_STRONG: &[&str] = &["领域", "环节", "细分"];
const ZH_SEGMENT_WEAK: &[&str] = &["行业", "产业", "类别", "分类", "门类"];
/// Words of a date or year.
const DATE: &[&str] = &["date", "dates", "year", "yr", "time", "dt", "day"];
const ZH_DATE: &[&str] = &["日期", "时间", "年份", "年度", "年", "日"];
/// Founding words: the strong ones alone say it, the weak ones with a date word.
const FOUNDED_STRONG: &[&str] = &[
    "found",
    "founded",
    "founding",
    "foundation",
    "establish",
    "established",
    "establishment",
    "estab",
    "incorporated",
    "incorporation",
    "inception",
];
const FOUNDED_WEAK: &[&str] = &[
    "est",
    "reg",
    "registration",
    "registered",
    "register",
    "start",
    "started",
    "open",
    "opened",
    "opening",
    "setup",
    "birth",
];
const ZH_FOUNDED_STRONG: &[&str] = &["成立", "设立", "开业"];
const ZH_FOUNDED_WEAK: &[&str] = &["注册", "登记"];
/// Words that make a founding-looking header something else (`registered_capital`).
const NOT_FOUNDED: &[&str] = &["capital", "address", "addr", "authority", "office", "place"];
const ZH_NOT_FOUNDED: &[&str] = &["资本", "资金", "地址", "机关", "号"];
/// Closing words (with a date word: `closed` alone may be a yes/no column).
const CLOSED: &[&str] = &[
    "closed",
    "closing",
    "closure",
    "close",
    "dissolved",
    "dissolution",
    "deregistered",
    "deregistration",
    "dereg",
    "revoked",
    "revocation",
    "revoke",
    "cancelled",
    "canceled",
    "cancellation",
    "cancel",
    "liquidated",
    "liquidation",
    "terminated",
    "termination",
    "end",
    "ended",
    "ceased",
    "exit",
];
const ZH_CLOSED: &[&str] = &["注销", "吊销", "歇业", "关闭", "停业", "撤销", "终止"];

/// A header's words (ASCII letters and digits, lower case; split at other characters and
/// at a lower-to-upper case change: `FirmID` → firm, id) and its text in lower case (for
/// the Chinese words, which are not split).
struct Words {
    words: Vec<String>,
    text: String,
}

impl Words {
    fn of(header: &str) -> Self {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut prev_lower = false;
        for c in header.chars() {
            let upper = c.is_ascii_uppercase();
            if (!c.is_ascii_alphanumeric() || (upper && prev_lower)) && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if c.is_ascii_alphanumeric() {
                word.push(c.to_ascii_lowercase());
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
        if !word.is_empty() {
            words.push(word);
        }
        // A firm word glued to its id or name (`companyname`, `entid`).
        if let [only] = words.as_slice() {
            let glued = FIRM.iter().find_map(|f| {
                let rest = only.strip_prefix(f)?;
                ["id", "name", "code", "no"]
                    .contains(&rest)
                    .then(|| vec![f.to_string(), rest.to_string()])
            });
            if let Some(split) = glued {
                words = split;
            }
        }
        Self {
            words,
            text: header.to_lowercase(),
        }
    }

    fn any(&self, set: &[&str]) -> bool {
        self.words.iter().any(|w| set.contains(&w.as_str()))
    }

    fn zh(&self, set: &[&str]) -> bool {
        set.iter().any(|s| self.text.contains(s))
    }

    fn last_in(&self, set: &[&str]) -> bool {
        self.words.last().is_some_and(|w| set.contains(&w.as_str()))
    }
}

/// How well a header names a role: 0 best, None not at all.
pub(crate) fn rank(header: &str, role: Role) -> Option<u8> {
    let w = Words::of(header);
    let firm = w.any(FIRM) || w.zh(ZH_FIRM);
    let other = w.any(OTHER) || w.zh(ZH_OTHER);
    let segment_strong = w.any(SEGMENT_STRONG) || w.zh(ZH_SEGMENT_STRONG);
    let segment = segment_strong || w.any(SEGMENT_WEAK) || w.zh(ZH_SEGMENT_WEAK);
    let coded = w.last_in(ID_LAST) || w.zh(ZH_ID);
    let dated = w.any(DATE) || w.zh(ZH_DATE);
    let closed = w.any(CLOSED) || w.zh(ZH_CLOSED);
    match role {
        Role::Id => (coded && !other && !segment && !dated).then(|| {
            if w.zh(&["序号"]) || w.any(&["no", "nr", "num", "number"]) && !firm {
                2 // a row number
            } else if firm || w.any(&["uscc", "credit"]) || w.zh(&["信用代码"]) {
                0
            } else {
                1
            }
        }),
        Role::Name => {
            let named = w.any(&["name"]) || w.zh(&["名称", "名字"]);
            let alone = w.words.len() == 1 && firm && w.text.is_ascii()
                || ["企业", "公司", "单位", "机构"].contains(&w.text.trim());
            if alone {
                Some(0)
            } else {
                (named && !other && !segment && !coded).then_some(if firm { 0 } else { 1 })
            }
        }
        Role::Segment => {
            let elsewhere = w.any(&["zone", "cluster", "park"]) || w.zh(&["园", "集聚区"]);
            (segment && !elsewhere && !dated)
                .then_some(u8::from(!segment_strong) + if coded { 2 } else { 0 })
        }
        Role::Founded => {
            let not = closed || w.any(NOT_FOUNDED) || w.zh(ZH_NOT_FOUNDED) || coded;
            // A founding word alone (`Founded`, `date founded`, `成立`) or with a date word
            // (`establishment_type` and `设立方式` are something else).
            let alone = w.text.is_ascii()
                && !w.words.is_empty()
                && w.words
                    .iter()
                    .all(|x| FOUNDED_STRONG.contains(&x.as_str()) || x == "in" || x == "on")
                || ZH_FOUNDED_STRONG.contains(&w.text.trim());
            let strong = (w.any(FOUNDED_STRONG) || w.zh(ZH_FOUNDED_STRONG)) && (dated || alone);
            let weak = (w.any(FOUNDED_WEAK) || w.zh(ZH_FOUNDED_WEAK)) && dated;
            (!not && (strong || weak)).then_some(u8::from(!strong))
        }
        Role::Closed => (closed && dated && !coded).then_some(0),
    }
}

/// The column whose header best names `role`, among those not `taken`: lowest rank, then
/// first in the file.
pub(crate) fn best(headers: &[String], role: Role, taken: &[usize]) -> Option<usize> {
    headers
        .iter()
        .enumerate()
        .filter(|(c, _)| !taken.contains(c))
        .filter_map(|(c, h)| rank(h, role).map(|r| (r, c)))
        .min()
        .map(|(_, c)| c)
}

/// Every column whose header names `role` (any rank), in file order.
pub(crate) fn all(headers: &[String], role: Role) -> Vec<usize> {
    headers
        .iter()
        .enumerate()
        .filter(|(_, h)| rank(h, role).is_some())
        .map(|(c, _)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Role, best, rank};

    fn roles(header: &str) -> Vec<Role> {
        [
            Role::Id,
            Role::Name,
            Role::Segment,
            Role::Founded,
            Role::Closed,
        ]
        .into_iter()
        .filter(|r| rank(header, *r).is_some())
        .collect()
    }

    #[test]
    fn headers_other_programs_write_name_one_role() {
        use Role::*;
        for (header, want) in [
            ("FirmID", Id),
            ("Company ID", Id),
            ("enterprise_id", Id),
            ("ent_id", Id),
            ("entid", Id),
            ("uid", Id),
            ("企业编号", Id),
            ("企业ID", Id),
            ("NO.", Id),
            ("credit_code", Id),
            ("reg_no", Id),
            ("FirmName", Name),
            ("enterprise_name", Name),
            ("ent_name", Name),
            ("companyname", Name),
            ("firm name", Name),
            ("Enterprise", Name),
            ("机构名称", Name),
            ("industry_segment", Segment),
            ("chain_segment", Segment),
            ("sub-sector", Segment),
            ("vr_segment", Segment),
            ("IndustryType", Segment),
            ("产业环节", Segment),
            ("所属领域", Segment),
            ("细分行业", Segment),
            ("企业所属行业", Segment),
            ("产业类别", Segment),
            ("reg_date", Founded),
            ("date founded", Founded),
            ("incorporation_year", Founded),
            ("estab_year", Founded),
            ("est_date", Founded),
            ("YearFounded", Founded),
            ("Founded", Founded),
            ("established_in", Founded),
            ("成立", Founded),
            ("设立时间", Founded),
            ("开业日期", Founded),
            ("登记日期", Founded),
            ("date_closed", Closed),
            ("dissolution_year", Closed),
            ("revoked_on_date", Closed),
            ("注销年份", Closed),
            ("停业日期", Closed),
        ] {
            assert_eq!(roles(header), vec![want], "{header}");
        }
    }

    #[test]
    fn headers_about_something_else_name_no_role() {
        for header in [
            "Unnamed: 0",
            "index",
            "zone_id",
            "cluster_id",
            "district_name",
            "legal_person_name",
            "contact phone number",
            "registered_capital",
            "registered_address",
            "注册资本",
            "注册地址",
            "企业类型",
            "所属产业园区",
            "closed",
            "status",
            "lng",
            "X",
            "year",
            "经度",
            "product_name",
            "establishment_type",
            "设立方式",
            "企业成立",
        ] {
            assert_eq!(roles(header), vec![], "{header}");
        }
    }

    #[test]
    fn the_best_header_wins_and_taken_columns_are_skipped() {
        let h: Vec<String> = [
            "index",
            "行号序号",
            "record_no",
            "firm_code",
            "industry",
            "segment",
        ]
        .map(String::from)
        .to_vec();
        // A firm's code before row numbers, and those in file order.
        assert_eq!(best(&h, Role::Id, &[]), Some(3));
        assert_eq!(best(&h, Role::Id, &[3]), Some(1));
        assert_eq!(best(&h, Role::Id, &[1, 3]), Some(2));
        // A segment before an industry.
        assert_eq!(best(&h, Role::Segment, &[]), Some(5));
        assert_eq!(best(&h, Role::Segment, &[5]), Some(4));
        assert_eq!(best(&h, Role::Name, &[]), None);
    }
}
