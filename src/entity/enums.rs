//! The closed sets of values the catalog stores as upper-case text, and the channel
//! language list. Entities read and write them typed (SeaORM `DeriveActiveEnum` and
//! `DeriveValueType` over the existing text columns), so no stored encoding leaves this
//! module; `catalog::types` re-exports them as the domain's enumerations.

use std::fmt;
use std::str::FromStr;

use sea_orm::entity::prelude::*;

/// A text that is none of an enumeration's stored values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enumeration's name.
    pub of: &'static str,
    /// The text that matched none of its values.
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a {} value", self.value, self.of)
    }
}

impl std::error::Error for UnknownValue {}

/// Declares a closed set of values stored as upper-case text.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, serde::Serialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name { $(#[sea_orm(string_value = $text)] #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored text of this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownValue { of: stringify!($name), value: other.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// The level of government of a jurisdiction.
    JurisdictionKind { Federal => "FEDERAL", State => "STATE", County => "COUNTY", City => "CITY", Tribal => "TRIBAL" }
);

text_enum!(
    /// Where a service is in its editorial lifecycle.
    ServiceStatus { Draft => "DRAFT", InReview => "IN_REVIEW", Published => "PUBLISHED", Archived => "ARCHIVED" }
);

text_enum!(
    /// How central a service is to a life event.
    Relevance { Core => "CORE", Supporting => "SUPPORTING" }
);

text_enum!(
    /// How one service relates to another.
    RelationKind {
        Requires => "REQUIRES",
        Enables => "ENABLES",
        Complements => "COMPLEMENTS",
        AlternativeTo => "ALTERNATIVE_TO",
        FollowUp => "FOLLOW_UP",
    }
);

text_enum!(
    /// The broad kind of a touchpoint, after the GSA Touchpoints channel categories.
    TouchpointCategory { Digital => "DIGITAL", Physical => "PHYSICAL", Human => "HUMAN" }
);

text_enum!(
    /// How a service is delivered.
    ChannelKind {
        Website => "WEBSITE",
        OnlineForm => "ONLINE_FORM",
        MobileApp => "MOBILE_APP",
        Email => "EMAIL",
        Chat => "CHAT",
        Sms => "SMS",
        Phone => "PHONE",
        InPerson => "IN_PERSON",
        Mail => "MAIL",
        PaperForm => "PAPER_FORM",
        Video => "VIDEO",
        Kiosk => "KIOSK",
    }
);

impl ChannelKind {
    /// The touchpoint category a channel of this kind belongs to.
    pub fn category(self) -> TouchpointCategory {
        match self {
            Self::Website
            | Self::OnlineForm
            | Self::MobileApp
            | Self::Email
            | Self::Chat
            | Self::Sms => TouchpointCategory::Digital,
            Self::Phone | Self::Video => TouchpointCategory::Human,
            Self::InPerson | Self::Mail | Self::PaperForm | Self::Kiosk => {
                TouchpointCategory::Physical
            }
        }
    }
}

text_enum!(
    /// The type of answer an eligibility criterion takes.
    CriterionKind {
        Boolean => "BOOLEAN",
        Number => "NUMBER",
        Date => "DATE",
        Select => "SELECT",
        MultiSelect => "MULTI_SELECT",
    }
);

text_enum!(
    /// How the rules of an eligibility rule group combine.
    RuleGroupMode { All => "ALL", Any => "ANY" }
);

text_enum!(
    /// The comparison an eligibility rule makes against a resident's answer.
    RuleOperator {
        Answered => "ANSWERED",
        IsTrue => "IS_TRUE",
        IsFalse => "IS_FALSE",
        OneOf => "ONE_OF",
        NoneOf => "NONE_OF",
        AllOf => "ALL_OF",
        Lt => "LT",
        Lte => "LTE",
        Gt => "GT",
        Gte => "GTE",
        Between => "BETWEEN",
        Before => "BEFORE",
        OnOrAfter => "ON_OR_AFTER",
        AtLeastYearsAgo => "AT_LEAST_YEARS_AGO",
        LessThanYearsAgo => "LESS_THAN_YEARS_AGO",
        WithinLastDays => "WITHIN_LAST_DAYS",
        WithinLastMonths => "WITHIN_LAST_MONTHS",
        AtMostPercentOfTable => "AT_MOST_PERCENT_OF_TABLE",
        AtLeastPercentOfTable => "AT_LEAST_PERCENT_OF_TABLE",
    }
);

text_enum!(
    /// The period an income, or a reference table's amounts, is counted over.
    IncomePeriod { Monthly => "MONTHLY", Annual => "ANNUAL" }
);

impl RuleOperator {
    /// Whether it compares an income with a percent of a reference table.
    pub fn is_table(self) -> bool {
        matches!(
            self,
            Self::AtMostPercentOfTable | Self::AtLeastPercentOfTable
        )
    }
}

text_enum!(
    /// What an API key may do.
    Role { Admin => "ADMIN", Reviewer => "REVIEWER", Editor => "EDITOR" }
);

text_enum!(
    /// A driver of a resident's experience, after the OMB A-11 Section 280 CX drivers (the
    /// keys of the GSA Touchpoints data); satisfaction and trust are asked on their own.
    CxDriver {
        Effectiveness => "EFFECTIVENESS",
        Ease => "EASE",
        Efficiency => "EFFICIENCY",
        Transparency => "TRANSPARENCY",
        Employee => "EMPLOYEE",
        Humanity => "HUMANITY",
    }
);

text_enum!(
    /// How a resident found the service.
    EntryPoint {
        SearchEngine => "SEARCH_ENGINE",
        AgencySite => "AGENCY_SITE",
        Portal => "PORTAL",
        Mail => "MAIL",
        SocialMedia => "SOCIAL_MEDIA",
        WordOfMouth => "WORD_OF_MOUTH",
        AgencyReferral => "AGENCY_REFERRAL",
    }
);

/// A channel's language codes (BCP 47, e.g. `en`, `es`), in the order the agency gave
/// them. Stored as one comma-separated text column; an empty list is stored as NULL.
#[derive(Debug, Clone, PartialEq, Eq, Default, DeriveValueType)]
#[sea_orm(
    value_type = "String",
    from_str = "Languages::from_stored",
    to_str = "Languages::to_stored"
)]
pub struct Languages(pub Vec<String>);

impl Languages {
    fn from_stored(text: &str) -> Result<Self, UnknownValue> {
        Ok(Self(
            text.split(',')
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
        ))
    }

    fn to_stored(&self) -> String {
        self.0.join(",")
    }

    /// The stored column value: NULL for no languages.
    pub fn stored(codes: Vec<String>) -> Option<Self> {
        (!codes.is_empty()).then_some(Self(codes))
    }
}

/// A set of CX drivers, in `CxDriver` order. Stored as one comma-separated text column
/// (empty for none).
#[derive(Debug, Clone, PartialEq, Eq, Default, DeriveValueType)]
#[sea_orm(
    value_type = "String",
    from_str = "Drivers::from_stored",
    to_str = "Drivers::to_stored"
)]
pub struct Drivers(pub Vec<CxDriver>);

impl Drivers {
    fn from_stored(text: &str) -> Result<Self, UnknownValue> {
        text.split(',')
            .filter(|d| !d.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_text() {
        for kind in ChannelKind::ALL {
            assert_eq!(kind.as_str().parse::<ChannelKind>(), Ok(*kind));
        }
        assert!("nope".parse::<RelationKind>().is_err());
    }

    #[test]
    fn languages_round_trip_through_their_column() {
        let list = Languages(vec!["en".into(), "es".into()]);
        assert_eq!(Languages::from_stored(&list.to_stored()), Ok(list));
        assert_eq!(Languages::stored(Vec::new()), None);
    }
}
