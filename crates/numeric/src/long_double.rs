//! `LongDouble`: a software model of the x87 80-bit extended `long double`
//! that Debian's amd64 Redis uses for INCRBYFLOAT and HINCRBYFLOAT, with the
//! three operations those commands need — `string2ld` parsing, addition, and
//! `ld2string(LD_STR_HUMAN)` formatting — reproduced bit for bit.
//!
//! It does not model rounding modes other than the default (to nearest, ties
//! to even), NaN payloads, or any arithmetic besides addition.

use std::io::Write as _;
use std::ops::Add;

use crate::big_uint::BigUint;
use crate::binary_float::{
    Rounded, X87_EXTENDED, decimal_to_binary, hexadecimal_to_binary, round_to_format,
};
use crate::float_syntax::{FloatLiteral, scan_float_literal};

/// Redis's `MAX_LONG_DOUBLE_CHARS` (5 * 1024): `string2ld` refuses inputs of
/// this length or longer.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// An x87 extended-precision value: 64-bit significand with an explicit
/// integer bit, 15-bit exponent, subnormals, signed zeros and infinities.
///
/// Equality is identity of the value's encoding (`-0 != 0`, NaN equals NaN),
/// not IEEE comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `(-1)^negative * significand * 2^exponent`. Normal values have bit 63
    /// of the significand set; subnormals (and zero, with significand 0) have
    /// `exponent == X87_EXTENDED.min_exponent`.
    Finite {
        negative: bool,
        significand: u64,
        exponent: i64,
    },
    Infinite {
        negative: bool,
    },
    /// The x87 "real indefinite" QNaN, the only NaN addition can create
    /// (from infinities of opposite signs); its sign bit is set.
    Nan,
}

/// Signed zero.
fn zero(negative: bool) -> Kind {
    Kind::Finite {
        negative,
        significand: 0,
        exponent: X87_EXTENDED.min_exponent,
    }
}

/// A rounded magnitude with its sign (underflow gives a signed zero,
/// overflow an infinity).
fn from_rounded(negative: bool, rounded: Rounded) -> Kind {
    match rounded {
        Rounded::Finite {
            significand,
            exponent,
        } => Kind::Finite {
            negative,
            significand,
            exponent,
        },
        Rounded::Underflow => zero(negative),
        Rounded::Overflow => Kind::Infinite { negative },
    }
}

impl LongDouble {
    /// Parses like Redis `string2ld`: glibc `strtold` (correctly rounded;
    /// decimal, hexadecimal `0x...p...`, `inf`/`infinity` in any case, with an
    /// optional sign), refusing an empty input, one of
    /// [`MAX_LONG_DOUBLE_CHARS`] bytes or more, leading white space, anything
    /// not consumed, NaN, and values that overflow to infinity or underflow to
    /// zero (strtold's ERANGE). An underflow to a non-zero subnormal is kept.
    pub fn parse(text: &[u8]) -> Option<LongDouble> {
        if text.is_empty() || text.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        let (negative, rounded) = match scan_float_literal(text)? {
            FloatLiteral::Infinity { negative } => {
                return Some(LongDouble {
                    kind: Kind::Infinite { negative },
                });
            }
            FloatLiteral::Decimal(mantissa) | FloatLiteral::Hexadecimal(mantissa)
                if !mantissa.has_nonzero_digit() =>
            {
                return Some(LongDouble {
                    kind: zero(mantissa.negative),
                });
            }
            FloatLiteral::Decimal(mantissa) => (
                mantissa.negative,
                decimal_to_binary(&mantissa, X87_EXTENDED),
            ),
            FloatLiteral::Hexadecimal(mantissa) => (
                mantissa.negative,
                hexadecimal_to_binary(&mantissa, X87_EXTENDED),
            ),
        };
        match rounded {
            Rounded::Finite { .. } => Some(LongDouble {
                kind: from_rounded(negative, rounded),
            }),
            Rounded::Underflow | Rounded::Overflow => None,
        }
    }

    /// The exact value of `value` (every i64 fits the 64-bit significand), as
    /// Redis's `(long double)` cast of an integer-encoded string gives.
    pub fn from_i64(value: i64) -> LongDouble {
        let kind = if value == 0 {
            zero(false)
        } else {
            from_rounded(
                value < 0,
                round_to_format(u128::from(value.unsigned_abs()), false, 0, X87_EXTENDED),
            )
        };
        LongDouble { kind }
    }

    /// Neither infinite nor NaN (C's `!isnan(x) && !isinf(x)`).
    pub fn is_finite(&self) -> bool {
        matches!(self.kind, Kind::Finite { .. })
    }

    /// The sum if it is finite, `None` when it is NaN or infinite: the check
    /// INCRBYFLOAT/HINCRBYFLOAT make before replying
    /// "increment would produce NaN or Infinity".
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        Some(self + other).filter(LongDouble::is_finite)
    }

    /// Formats like Redis `ld2string(..., LD_STR_HUMAN)`: glibc's exact
    /// `"%.17Lf"` (round half to even on the exact binary value), then trailing
    /// zeros after the '.' and a trailing '.' removed, and "-0" turned into
    /// "0". Infinities are "inf" / "-inf"; NaN prints as glibc prints the x87
    /// indefinite, "-nan" (Redis never gets to print it).
    pub fn to_human(&self) -> Vec<u8> {
        let (negative, significand, exponent) = match self.kind {
            Kind::Nan => return b"-nan".to_vec(),
            Kind::Infinite { negative: false } => return b"inf".to_vec(),
            Kind::Infinite { negative: true } => return b"-inf".to_vec(),
            Kind::Finite {
                negative,
                significand,
                exponent,
            } => (negative, significand, exponent),
        };
        let mut out = Vec::new();
        if negative {
            out.push(b'-');
        }
        write_fixed_17(significand, exponent, &mut out);
        // Every "%.17Lf" output has a '.', so this trims the fraction only.
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
        }
        if out == b"-0" {
            out.remove(0);
        }
        out
    }

    /// The 80-bit encoding as (sign and biased exponent, significand).
    #[cfg(test)]
    fn to_bits(self) -> (u16, u64) {
        match self.kind {
            Kind::Nan => (0xffff, 0xc000_0000_0000_0000),
            Kind::Infinite { negative } => (u16::from(negative) << 15 | 0x7fff, 1 << 63),
            Kind::Finite {
                negative,
                significand,
                exponent,
            } => {
                let biased = if significand >> 63 == 1 {
                    exponent + 16383 + 63
                } else {
                    0
                };
                (u16::from(negative) << 15 | biased as u16, significand)
            }
        }
    }
}

impl Add for LongDouble {
    type Output = LongDouble;

    /// IEEE addition as the x87 FPU performs it at 64-bit precision: round to
    /// nearest even, overflow to infinity, gradual underflow, `x + (-x) = +0`,
    /// `inf + -inf = NaN`.
    fn add(self, other: LongDouble) -> LongDouble {
        let kind = match (self.kind, other.kind) {
            (Kind::Nan, _) | (_, Kind::Nan) => Kind::Nan,
            (Kind::Infinite { negative: a }, Kind::Infinite { negative: b }) if a != b => Kind::Nan,
            (infinite @ Kind::Infinite { .. }, _) | (_, infinite @ Kind::Infinite { .. }) => {
                infinite
            }
            (
                Kind::Finite {
                    negative: negative_a,
                    significand: significand_a,
                    exponent: exponent_a,
                },
                Kind::Finite {
                    negative: negative_b,
                    significand: significand_b,
                    exponent: exponent_b,
                },
            ) => {
                if significand_b == 0 {
                    if significand_a == 0 {
                        zero(negative_a && negative_b)
                    } else {
                        self.kind
                    }
                } else if significand_a == 0 {
                    other.kind
                } else if exponent_a >= exponent_b {
                    add_finite(
                        (negative_a, significand_a, exponent_a),
                        (negative_b, significand_b, exponent_b),
                    )
                } else {
                    add_finite(
                        (negative_b, significand_b, exponent_b),
                        (negative_a, significand_a, exponent_a),
                    )
                }
            }
        };
        LongDouble { kind }
    }
}

/// Sum of two non-zero finite values given as (negative, significand,
/// exponent), the first having the larger or equal exponent.
fn add_finite(larger: (bool, u64, i64), smaller: (bool, u64, i64)) -> Kind {
    let (negative_large, significand_large, exponent_large) = larger;
    let (negative_small, significand_small, exponent_small) = smaller;
    let distance = (exponent_large - exponent_small) as u64;
    // Both operands as integers at a common exponent; when the smaller one is
    // too far below, only its top bits are kept and the rest becomes sticky.
    let (aligned_large, aligned_small, sticky, exponent) = if distance < 64 {
        (
            u128::from(significand_large) << distance,
            u128::from(significand_small),
            false,
            exponent_small,
        )
    } else {
        let cut = distance - 64;
        let (kept, sticky) = if cut >= 64 {
            (0, true)
        } else {
            (
                significand_small >> cut,
                significand_small & ((1u64 << cut) - 1) != 0,
            )
        };
        (
            u128::from(significand_large) << 64,
            u128::from(kept),
            sticky,
            exponent_large - 64,
        )
    };
    let (negative, magnitude) = if negative_large == negative_small {
        (negative_large, aligned_large + aligned_small)
    } else if aligned_large >= aligned_small {
        // With a sticky part, large - (small + fraction) = (large - small - 1) + (1 - fraction).
        (
            negative_large,
            aligned_large - aligned_small - u128::from(sticky),
        )
    } else {
        (negative_small, aligned_small - aligned_large)
    };
    if magnitude == 0 && !sticky {
        return zero(false);
    }
    from_rounded(
        negative,
        round_to_format(magnitude, sticky, exponent, X87_EXTENDED),
    )
}

/// 10^17, the scale of "%.17Lf".
const TEN_POW_17: u128 = 100_000_000_000_000_000;

/// Appends glibc's `"%.17Lf"` of `significand * 2^exponent` (a magnitude).
fn write_fixed_17(significand: u64, exponent: i64, out: &mut Vec<u8>) {
    if exponent >= 0 {
        let mut integer = BigUint::from_u64(significand);
        integer.shl(exponent as u64);
        integer.write_decimal(out);
        out.extend_from_slice(b".00000000000000000");
        return;
    }
    // scaled = value * 10^17 = significand * 10^17 / 2^shift, rounded half to even.
    let shift = exponent.unsigned_abs();
    let numerator = u128::from(significand) * TEN_POW_17; // < 2^121
    let scaled = if shift >= 122 {
        // numerator < 2^121 <= half of 2^shift, and never equal to it.
        0
    } else {
        let truncated = numerator >> shift;
        let remainder = numerator & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let round_up = remainder > half || (remainder == half && truncated & 1 == 1);
        truncated + u128::from(round_up)
    };
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{}.{:017}", scaled / TEN_POW_17, scaled % TEN_POW_17);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> LongDouble {
        LongDouble::parse(text.as_bytes()).unwrap_or(LongDouble { kind: Kind::Nan })
    }

    fn human(value: LongDouble) -> String {
        String::from_utf8(value.to_human()).unwrap_or_default()
    }

    fn incrbyfloat(current: &str, increment: &str) -> String {
        human(parse(current) + parse(increment))
    }

    #[test]
    fn incrbyfloat_goldens_from_redis_7_0() {
        // Each pair was run through INCRBYFLOAT on Debian's redis-server 7.0.15.
        let cases = [
            ("10.5", "0.1", "10.6"),
            ("5.0e3", "2.0e2", "5200"),
            ("0", "1e21", "1000000000000000000000"),
            ("1e21", "1", "1000000000000000000000"),
            ("3.0e3", "0", "3000"),
            ("0.1", "0.2", "0.3"),
            ("0", "1e-20", "0"),
            ("0", "-0", "0"),
            ("-0.0", "-0.0", "0"),
            ("0", "1e-17", "0.00000000000000001"),
            ("0", "5e-18", "0"),
            ("0", "1.5e-17", "0.00000000000000002"),
            ("0", "2.5e-17", "0.00000000000000002"),
            ("0", "0x1p-18", "0.00000381469726562"),
            ("0", "0x1p3", "8"),
            ("0", "1e-4950", "0"),
            ("0", "1.", "1"),
            ("0", ".5", "0.5"),
        ];
        for (current, increment, expected) in cases {
            assert_eq!(
                incrbyfloat(current, increment),
                expected,
                "{current} + {increment}"
            );
        }
        assert_eq!(
            incrbyfloat("0", "1e300"),
            "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144"
        );
    }

    #[test]
    fn largest_values_print_all_their_digits() {
        let max = parse("0x1.fffffffffffffffep16383");
        assert_eq!(max.to_bits(), (0x7ffe, u64::MAX));
        let printed = human(max);
        assert_eq!(printed.len(), 4933);
        assert!(printed.starts_with("11897314953572317650212638530309702051690633222946242004403237338917370055229707226164102903365288828535456978074955773144274431536702884341981255738537436786735932007069732632019159182829615243655295106467910866143117906321697788388961347865606003991487534332114549111600886798451548665128523401497730376000091254793939662231513836224178385427439178381387178058894875405751682263476592355769748051137256490208848552224947913993775850260117735491800997962260268595085588836081598469002356451323465944763849398592764562845796617729304078066092291027150460853880879593277816229868275478307680800401506949423034117289577771003357140105597752421240573470073862516601108283791196230084692772009651535002084744707924438485459128867230006190851264721119513614675276335195629275979572502780029807959041931396030214709970352764674455309220226796562809914982320833296412410385092391847347861219216972105434842870483534081130425730022164213489173471742348007148807510020643905172342476560047217680964861079949434157034763206435586242074435044243805661360176088374781653890278095769759772868600714870282879555671414046326158326236027628963161739784842544868606099482708679680480787025118589308385465842230409088059962945945862019037660484467909260022254105307759010657606713472001258464069570302571389609837579989269545530523685607586831792231136395194688508807718721047052039575874800131431314442549439199401757531693393923668818561891299317291042529212368351599223220509980016771027840353601408292963981151228777681357060457893435354516965395612540488464471697868932116710872290880827783505182288576460622187397028516550837209923494833344352289847512327537266360662139022812647062340753520717240586650795182173034637826313533937067749019501978416904418247380631628285868577414325811653640402184027249133933209492194984224427304270198730445366203502623869578046820036014472919971230955300572061418669748528468561865148327159744812031219467516863793430961896151073300655524214851952017628585950910518394725028638716324941676138049963197914418702543027067584951920088379151694015817400467114778772014596444611752040594535047647218079757611117208462736392796003396704700376133745095531841500737964126050479232516613548412918842113408230154733047540670728187635036173329080059518963252070716739045477771296822652062256514399193768044002923809031124379126147762559646942219813751469670794468703580043925076594516183798118593920495440361149153107822510726914869798092409467721427270124043771874092167566136349389004512323516681460893224006979931760178053381918499819330084109859939387602926013909114145260037202848721324119554242821018312042161044674046216353369005836646065911562987647455250681450039329414041314954006776029510059622530228230036314738246810596484424413248645731374375950964161680480241293518762046681356368775328146755387988717718365128939471953350618850032676073543886733680020743878496570145760903498575712430451020387304948542567024793393228091105260415385289948492039910919461299124916332899179980943803378795220931314669461497059396641523759492858909604899161219449899863848370224866722491489246784102061833646274169695763076324802355879752452537370354338829608627534277400163334340550835370485073745448197547222289752810830208986826330202852599230841680545396879114182976299889645764827652875045628549242651652177507995162596692291149777889623566709566271384820181913483216879958636526376209782850700993372943967846398790249145142227425270063639423279984839767399871544185542015622441549266530145155046854892586202760857618371297633587612153825651296335381416639495165560002641591865548500570526114319529199188079545223946496276356301785808966922264062353828985358675959906470083856871238103295919264948462507689922584193054807636202150890221492205280698420183508405869384938154989094454619778930291135765167754062322782983140334732766039522316034228247175281818188443048809213219335508698733958612760736708666523755556758031714901084773200964243187800700087973460329062789435537435644488519071916164551411557619393996907674151564028265436640267600950875239455073415561358679330660317447209244465135323666476497354008519670407711036405381500734868917983640495706061895350050898409138268695350900667833244725787121966044152849248400418509328119089636341757398971665960007594878006191640948543387585206571165410722609962881501231443779440087493019447443307843889957018427100048083050121771235606228950762690428568000477188931580893585155938631766529480890312677470296625451108615489583950877967554641379448959605279752098748138397625785921057562844017593493241621483395653501891968113890918437957347032694063428900878058469403524534793980806742732362978871008671758025315613023560648787092598652884163509725295370911143172048877474055390540094253754241193179441751370646896438615177188498670103415325423859110896247108853858086888377772586485641459342621210866475884892600317623459607695088491496624441566044195520868119897702"));
    }

    #[test]
    fn parse_follows_string2ld() {
        for refused in [
            "",
            " 1",
            "1 ",
            "\t1",
            "nan",
            "-nan",
            "1e5000",
            "1.2e4932",
            "1e-5000",
            "0x1p-20000",
            "0x",
            "1e",
            ".",
            "-",
            "+",
            "1\0",
            "abc",
        ] {
            assert_eq!(LongDouble::parse(refused.as_bytes()), None, "{refused:?}");
        }
        assert_eq!(parse("inf").kind, Kind::Infinite { negative: false });
        assert_eq!(parse("-Infinity").kind, Kind::Infinite { negative: true });
        assert_eq!(parse("-0").kind, zero(true));
        assert_eq!(parse("0e-99999").kind, zero(false));
        assert_eq!(parse("0x0p99999").kind, zero(false));
        // Smallest subnormal: 2^-16445 ~ 3.645e-4951; half of it (ties to zero) and just above.
        assert_eq!(parse("0x1p-16445").to_bits(), (0, 1));
        assert_eq!(LongDouble::parse(b"0x1p-16446"), None);
        assert_eq!(parse("0x1.0000000000000000001p-16446").to_bits(), (0, 1));
        assert_eq!(parse("3.6e-4951").to_bits(), (0, 1));
        assert_eq!(parse("1").to_bits(), (0x3fff, 1 << 63));
        assert_eq!(parse("-2.5").to_bits(), (0xc000, 0xa000_0000_0000_0000));
        // 0.1 rounded to 64 bits: 0xcccccccccccccccd * 2^-67.
        assert_eq!(parse("0.1").to_bits(), (0x3ffb, 0xcccc_cccc_cccc_cccd));
        let limit = "1".repeat(MAX_LONG_DOUBLE_CHARS - 1);
        assert!(LongDouble::parse(limit.as_bytes()).is_none(), "overflows");
        let long_zero = format!("0.{}", "0".repeat(MAX_LONG_DOUBLE_CHARS - 3));
        assert!(LongDouble::parse(long_zero.as_bytes()).is_some());
        let too_long = format!("0.{}", "0".repeat(MAX_LONG_DOUBLE_CHARS - 2));
        assert!(LongDouble::parse(too_long.as_bytes()).is_none());
    }

    #[test]
    fn addition_rounds_at_64_bits() {
        let two_pow_64 = parse("18446744073709551616");
        // 2^64 + 1 is a tie between 2^64 and 2^64 + 2: to even, stays 2^64.
        assert_eq!(two_pow_64 + LongDouble::from_i64(1), two_pow_64);
        // 2^64 + 3 is a tie between 2^64 + 2 and 2^64 + 4: goes up.
        assert_eq!(
            human(two_pow_64 + LongDouble::from_i64(3)),
            "18446744073709551620"
        );
        // Just above a tie rounds up.
        let just_above_tie = two_pow_64 + parse("0x1.0000000000000002p0");
        assert_eq!(human(just_above_tie), "18446744073709551618");
        // 2^64 - (0.5 + 2^-64): the 2^-64 only survives as a sticky bit, and it
        // keeps the result below the tie with 2^64 - 1.
        let below_tie = two_pow_64 + parse("-0x1.0000000000000002p-1");
        assert_eq!(human(below_tie), "18446744073709551615");
        assert_eq!(human(two_pow_64 + parse("-0.5")), "18446744073709551616");
        // Subtraction borrowing through a sticky part.
        assert_eq!(human(two_pow_64 + parse("-1e-300")), "18446744073709551616");
        assert_eq!(
            (LongDouble::from_i64(1) + parse("-0x1p-64")).to_bits(),
            (0x3ffe, u64::MAX)
        );
    }

    #[test]
    fn special_values_in_addition() {
        let infinity = parse("inf");
        let minus_infinity = parse("-inf");
        let max = parse("0x1.fffffffffffffffep16383");
        assert_eq!((infinity + minus_infinity).kind, Kind::Nan);
        assert_eq!(human(infinity + minus_infinity), "-nan");
        assert_eq!(infinity + max, infinity);
        assert_eq!(max + max, infinity);
        assert_eq!(max.checked_add(max), None);
        assert_eq!(max.checked_add(LongDouble::from_i64(1)), Some(max));
        assert_eq!(human(infinity), "inf");
        assert_eq!(human(minus_infinity), "-inf");
        assert_eq!((parse("1.5") + parse("-1.5")).kind, zero(false));
        assert_eq!((parse("-0") + parse("-0")).kind, zero(true));
        assert_eq!((parse("-0") + parse("0")).kind, zero(false));
        // Subnormals add exactly and carry into the normal range.
        let largest_subnormal = parse("0x0.fffffffffffffffep-16382");
        let smallest = parse("0x1p-16445");
        assert_eq!(largest_subnormal.to_bits(), (0, u64::MAX >> 1));
        assert_eq!((largest_subnormal + smallest).to_bits(), (1, 1 << 63));
    }

    #[test]
    fn from_i64_extremes() {
        assert_eq!(LongDouble::from_i64(i64::MIN).to_bits(), (0xc03e, 1 << 63));
        assert_eq!(
            human(LongDouble::from_i64(i64::MIN)),
            "-9223372036854775808"
        );
        assert_eq!(human(LongDouble::from_i64(i64::MAX)), "9223372036854775807");
        assert_eq!(LongDouble::from_i64(0).kind, zero(false));
    }

    #[test]
    fn human_format_rounds_half_to_even() {
        // 2^-18 = 0.000003814697265625 exactly: the 18th digit 5 is a tie.
        assert_eq!(human(parse("0x1p-18")), "0.00000381469726562");
        // 3 * 2^-18 = 0.000011444091796875: tie, 7 is odd so it rounds up.
        assert_eq!(human(parse("0x3p-18")), "0.00001144409179688");
        assert_eq!(human(parse("-1e-20")), "0");
        assert_eq!(human(parse("-0.5")), "-0.5");
        assert_eq!(human(parse("123.456")), "123.456");
    }

    proptest! {
        #[test]
        fn integer_text_parses_to_from_i64(value in any::<i64>()) {
            prop_assert_eq!(parse(&value.to_string()), LongDouble::from_i64(value));
            prop_assert_eq!(human(LongDouble::from_i64(value)), value.to_string());
        }

        #[test]
        fn addition_is_commutative(
            a in "-?[1-9][0-9]{0,24}", a_exponent in -5000i32..5000,
            b in "-?[1-9][0-9]{0,24}", b_exponent in -5000i32..5000,
        ) {
            let a = LongDouble::parse(format!("{a}e{a_exponent}").as_bytes());
            let b = LongDouble::parse(format!("{b}e{b_exponent}").as_bytes());
            if let (Some(a), Some(b)) = (a, b) {
                prop_assert_eq!(a + b, b + a);
            }
        }

        #[test]
        fn integers_add_exactly(a in -(1i64 << 62)..(1i64 << 62), b in -(1i64 << 62)..(1i64 << 62)) {
            prop_assert_eq!(LongDouble::from_i64(a) + LongDouble::from_i64(b), LongDouble::from_i64(a + b));
        }

        #[test]
        fn short_decimals_print_back(integer in 0u8..128, fraction in "[0-9]{0,17}", negative in any::<bool>()) {
            // Below 128 the error of the 64-bit value stays under half of 1e-17.
            let value = parse(&format!("{}{integer}.{fraction}", if negative { "-" } else { "" }));
            let fraction = fraction.trim_end_matches('0');
            let is_zero = integer == 0 && fraction.is_empty();
            let expected = format!(
                "{}{integer}{}{fraction}",
                if negative && !is_zero { "-" } else { "" },
                if fraction.is_empty() { "" } else { "." },
            );
            prop_assert_eq!(human(value), expected);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn large_values_round_trip(significand in any::<u64>(), exponent in -56i64..=16320, negative in any::<bool>()) {
            // From 128 up, half an ulp exceeds the 5e-18 "%.17Lf" may cut off.
            let value = LongDouble {
                kind: Kind::Finite { negative, significand: significand | 1 << 63, exponent },
            };
            prop_assert_eq!(parse(&human(value)), value);
        }
    }
}
