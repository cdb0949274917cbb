//! Name conversions, written to agree exactly with serde's `rename_all` rules
//! (serde_derive `internals/case.rs`), because the names end up in the same JSON.

/// The default wire name of a role variant: `SuperAdmin` -> `super_admin`, the way serde's
/// `#[serde(rename_all = "snake_case")]` names variants.
pub(crate) fn variant_to_snake_case(variant: &str) -> String {
    let mut snake = String::with_capacity(variant.len() + 4);
    for (i, ch) in variant.char_indices() {
        if i > 0 && ch.is_uppercase() {
            snake.push('_');
        }
        snake.push(ch.to_ascii_lowercase());
    }
    snake
}

/// A serde `rename_all` rule, applied to a (snake_case) field name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    /// The rule serde spells `name`, if there is one.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "lowercase" => Self::Lower,
            "UPPERCASE" => Self::Upper,
            "Pascal" => Self::Pascal,
            "camelCase" => Self::Camel,
            "snake_case" => Self::Snake,
            "SCREAMING_SNAKE_CASE" => Self::ScreamingSnake,
            "kebab-case" => Self::Kebab,
            "SCREAMING-KEBAB-CASE" => Self::ScreamingKebab,
            _ => return None,
        })
    }

    /// The serialized name of the field `field` under this rule.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Pascal => {
                let mut pascal = String::with_capacity(field.len());
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            Self::Camel => {
                let pascal = Self::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_become_snake_case_like_serde() {
        assert_eq!(variant_to_snake_case("Admin"), "admin");
        assert_eq!(variant_to_snake_case("SuperAdmin"), "super_admin");
        assert_eq!(variant_to_snake_case("Admin2"), "admin2");
        assert_eq!(variant_to_snake_case("HTTPAdmin"), "h_t_t_p_admin");
    }

    #[test]
    fn field_rules_match_serde() {
        let cases = [
            ("lowercase", "user_roles"),
            ("UPPERCASE", "USER_ROLES"),
            ("Pascal", "UserRoles"),
            ("camelCase", "userRoles"),
            ("snake_case", "user_roles"),
            ("SCREAMING_SNAKE_CASE", "USER_ROLES"),
            ("kebab-case", "user-roles"),
            ("SCREAMING-KEBAB-CASE", "USER-ROLES"),
        ];
        for (rule, expected) in cases {
            let rule = RenameRule::from_name(rule);
            assert_eq!(
                rule.map(|rule| rule.apply_to_field("user_roles"))
                    .as_deref(),
                Some(expected)
            );
        }
        assert_eq!(RenameRule::from_name("Snake"), None);
        assert_eq!(RenameRule::Camel.apply_to_field(""), "");
    }
}
