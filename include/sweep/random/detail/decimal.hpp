// Exact decimal arithmetic for quantisation: the product k * q is formed from the
// shortest decimal digits of q (Python's str(q)), rounded to 28 significant digits
// like Python's default Decimal context, then rounded once to the nearest double.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace sweep::detail {

__extension__ typedef unsigned __int128 uint128;  // __extension__: no -Wpedantic noise
__extension__ typedef __int128 int128;

/// @brief |x| = digits * 10^exponent with the fewest digits that read back as x (Python's repr).
struct decimal_form {
  std::uint64_t digits = 0;
  int exponent = 0;
  bool negative = false;
};

/// @brief The shortest round-trip decimal of a finite double (same digits as Python's repr).
inline decimal_form shortest_decimal(double x) {
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  decimal_form out;
  const char* p = buf;
  if (*p == '-') {
    out.negative = true;
    ++p;
  }
  int fraction_digits = 0;
  bool after_point = false;
  for (; p < end && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    out.digits = out.digits * 10 + static_cast<std::uint64_t>(*p - '0');
    fraction_digits += after_point ? 1 : 0;
  }
  int exponent = 0;
  if (p < end) {
    ++p;
    if (*p == '+') ++p;
    std::from_chars(p, end, exponent);
  }
  out.exponent = exponent - fraction_digits;
  return out;
}

/// @brief shortest_decimal through a small per-thread cache: a space draws with a handful of
/// quanta in turn (a RegNet sample uses three float ones), each many times.
inline const decimal_form& cached_shortest_decimal(double x) {
  struct entry {
    std::uint64_t bits = 0;
    bool valid = false;
    decimal_form form;
  };
  thread_local std::array<entry, 16> cache;
  auto bits = std::bit_cast<std::uint64_t>(x);
  auto& e = cache[(bits * 0x9e3779b97f4a7c15ULL) >> 60];  // Fibonacci hashing to 16 slots
  if (!e.valid || e.bits != bits) {
    e.form = shortest_decimal(x);
    e.bits = bits;
    e.valid = true;
  }
  return e.form;
}

/// @brief The decimal digits of n (no leading zeros; "0" for 0).
inline std::string to_decimal_string(uint128 n) {
  if (n == 0) return "0";
  char buf[48];
  char* p = buf + sizeof buf;
  while (n != 0) {
    *--p = static_cast<char>('0' + static_cast<int>(n % 10));
    n /= 10;
  }
  return std::string(p, buf + sizeof buf);
}

/// @brief The exact decimal digits of integer-valued k >= 2^64 times m (base-1e9 big integer).
inline std::string big_product_digits(double k, std::uint64_t m) {
  int exp2 = 0;
  double frac = std::frexp(k, &exp2);                             // k = frac * 2^exp2, frac in [0.5, 1)
  auto mant = static_cast<std::uint64_t>(std::ldexp(frac, 53));   // k = mant * 2^(exp2 - 53)
  int shift = exp2 - 53;
  constexpr std::uint32_t base = 1000000000U;
  std::vector<std::uint32_t> limbs;  // little endian, base 1e9
  for (std::uint64_t v = mant; v != 0; v /= base) limbs.push_back(static_cast<std::uint32_t>(v % base));
  auto multiply = [&](std::uint64_t factor) {  // factor < 2^64; limb * factor < 2^94 fits in 128 bits
    uint128 carry = 0;
    for (auto& limb : limbs) {
      uint128 t = static_cast<uint128>(limb) * factor + carry;
      limb = static_cast<std::uint32_t>(t % base);
      carry = t / base;
    }
    while (carry != 0) {
      limbs.push_back(static_cast<std::uint32_t>(carry % base));
      carry /= base;
    }
  };
  for (; shift > 0; shift -= std::min(shift, 32)) multiply(std::uint64_t{1} << std::min(shift, 32));
  multiply(m);
  std::string out = std::to_string(limbs.back());
  for (auto it = limbs.rbegin() + 1; it != limbs.rend(); ++it) {
    auto part = std::to_string(*it);
    out += std::string(9 - part.size(), '0') + part;
  }
  return out;
}

/// @brief Rounds a digit string to `precision` significant digits, half to even (Decimal's
/// default context); returns how many digits were dropped (added to the exponent).
inline int round_digits_half_even(std::string& digits, std::size_t precision = 28) {
  if (digits.size() <= precision) return 0;
  auto dropped = static_cast<int>(digits.size() - precision);
  char first = digits[precision];
  bool rest_nonzero = std::any_of(digits.begin() + static_cast<std::ptrdiff_t>(precision) + 1, digits.end(),
                                  [](char c) { return c != '0'; });
  digits.resize(precision);
  bool up = first > '5' || (first == '5' && (rest_nonzero || (digits.back() - '0') % 2 == 1));
  if (up) {
    auto i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) {
      digits.insert(digits.begin(), '1');  // 99..9 -> 100..0: one more digit, same value scale
    } else {
      ++digits[i - 1];
    }
  }
  return dropped;
}

/// @brief The double nearest to (-1)^negative * digits * 10^exponent (Python's float(Decimal)).
inline double decimal_to_double(bool negative, const std::string& digits, int exponent) {
  std::string text = digits + "e" + std::to_string(exponent);
  double v = 0.0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // too big: inf; too small: 0 (as float() of such a Decimal gives)
    bool huge = static_cast<long>(digits.size()) + exponent > 0;
    v = huge ? HUGE_VAL : 0.0;
  }
  return negative ? -v : v;
}

/// @brief Python's float(Decimal(k) * Decimal(str(q))) for an integer-valued double k.
inline double decimal_product(double k, double q) {
  if (!std::isfinite(k) || !std::isfinite(q)) return k * q;  // Decimal's Infinity/NaN propagate the same way
  // the sign is set without a branch: half the draws of a range around 0 are negative
  std::uint64_t sign = (std::bit_cast<std::uint64_t>(k) ^ std::bit_cast<std::uint64_t>(q)) & (std::uint64_t{1} << 63);
  auto with_sign = [sign](double magnitude) { return std::bit_cast<double>(std::bit_cast<std::uint64_t>(magnitude) | sign); };
  const decimal_form& d = cached_shortest_decimal(q);
  double ak = std::fabs(k);
  std::string digits;
  if (ak < 18446744073709551616.0) {  // 2^64: the product fits in 128 bits (digits < 10^17)
    uint128 n = static_cast<uint128>(static_cast<std::uint64_t>(ak)) * d.digits;
    if (n < (uint128{1} << 53) && d.exponent >= -22 && d.exponent <= 22) {
      // n and 10^|e| are exact doubles, so one IEEE multiply/divide is correctly rounded (0 stays 0)
      static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
      auto v = static_cast<double>(static_cast<std::uint64_t>(n));
      return with_sign(d.exponent >= 0 ? v * pow10[d.exponent] : v / pow10[-d.exponent]);
    }
    if (n == 0) return with_sign(0.0);
    digits = to_decimal_string(n);
  } else {
    digits = big_product_digits(ak, d.digits);
  }
  int exponent = d.exponent + round_digits_half_even(digits);
  return with_sign(decimal_to_double(false, digits, exponent));
}

/// @brief Whether the decimal a*10^ea is an integer multiple of b*10^eb (b > 0), exactly.
inline bool decimal_is_multiple(std::uint64_t a, int ea, std::uint64_t b, int eb) {
  if (a == 0) return true;
  if (b == 0) return false;
  if (ea >= eb) {  // a * 10^(ea-eb) mod b, by modular powers: no overflow for any exponent gap
    uint128 r = a % b, ten = 10 % b;
    for (int n = ea - eb; n > 0; n >>= 1) {
      if (n & 1) r = r * ten % b;
      ten = ten * ten % b;
    }
    return r == 0;
  }
  // b * 10^(eb-ea) must divide a (< 10^20): only possible while it is no larger than a
  uint128 big_b = b;
  for (int n = eb - ea; n > 0; --n) {
    big_b *= 10;
    if (big_b > a) return false;
  }
  return a % big_b == 0;
}

}  // namespace sweep::detail
