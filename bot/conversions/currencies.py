"""ISO 4217 currency codes a conversion may be recorded in: the currencies in circulation.

Curated from the ISO 4217 list (amendments to 2025): fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI,
UYW), precious metals, bond units, SDR, XSU, XUA and the test and "no currency" codes (XTS, XXX) are left
out, since no shop sells in them. A currency that leaves circulation stays here while old sales may
still arrive.
"""

from __future__ import annotations

_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF
    XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """
ISO_4217_CODES = frozenset(_CODES.split())


def is_currency(code: str) -> bool:
    return code in ISO_4217_CODES
