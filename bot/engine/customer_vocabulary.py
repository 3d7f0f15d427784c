"""Phrase data: the words customers use for the same thing in customer service (shops, deliveries,
subscriptions, internet providers), one group per line, "name: word, word, phrase, ...";
an indented line continues the group above it.

A word or phrase here makes the knowledge search treat the customer's wording and an entry's wording
as the same idea (at a little less than an exact word). Words are compared stemmed; phrases are
written as customers type them, contractions split ("where's" is "where s"). A word may be in several
groups. Keep groups narrow: "order" is not "tracking", and "address" alone is a place, not an e-mail.
"""

from __future__ import annotations

__all__ = ["CUSTOMER_SYNONYMS"]

CUSTOMER_SYNONYMS = """
price: price, prices, pricing, cost, costs, how much, fee, fees, charge, rate, rates, expensive, cheap,
    pay for, priced, tariff
ship: ship, shipping, deliver, delivery, send, sent, dispatch, postage, courier, shipment, mail it, post
    it, get it to me
international: international, internationally, abroad, overseas, worldwide, another country, other
    countries, foreign, outside the us, germany, france, spain, italy, portugal, netherlands, belgium,
    austria, ireland, sweden, norway, denmark, finland, poland, switzerland, europe, eu, uk, canada,
    australia, mexico, japan, berlin, paris, london, lisbon, madrid, rome, amsterdam, toronto
refund: refund, refunds, money back, my money, reimburse, reimbursement, return, returns, send back,
    give back, chargeback
hours: hours, opening hours, open, opening, close, closing, closed, what time, schedule, timetable,
    business hours, hour
track: track, tracking, where is my, where s my, wheres my, tracking number, tracking link, not arrived,
    hasn t arrived, hasnt arrived, still waiting, not received, never arrived, never came, status, late,
    lost
order: order, orders, parcel, package, packet, purchase, shipment
contact: contact, email, e mail, mail, email address, e mail address, reach, reach you, get in touch,
    phone, call, write to, customer service, support, talk to, message you
location: address, location, located, where are you, where is the shop, where is the store, where is
    your store, find you, directions, visit, based, where is your shop, premises
wifi: wifi, wi fi, wireless, wlan, internet, connection, network, broadband
slow: slow, slower, lag, lagging, laggy, speed, speeds, buffering, buffer, sluggish, fast, faster, mbps,
    bandwidth, crawling
outage: outage, down, not working, no internet, offline, disconnected, disconnect, drop, dropping,
    dropped, cuts out, cut out, keeps dropping, no connection, no signal, service down, interruption,
    dead
cancel: cancel, cancellation, terminate, termination, leave, leaving, quit, stop, end my, close my
    account, unsubscribe, get out of
move: move, moving, moved, relocate, relocating, relocation, new address, new house, new home, new flat,
    change address, change of address, change my address
router: router, modem, hub, gateway
setup: set up, setup, install, installation, installing, configure, configuration, connect, plug in,
    activate, activation
bill: bill, bills, billing, invoice, statement, charged, overcharged, charged twice, double charged
pay: pay, payment, payments, paying, card, credit card, debit card, paypal, checkout, apple pay, google
    pay, direct debit
password: password, passwort, login, log in, sign in, locked out, reset, username, account access
discount: discount, discounts, deal, deals, offer, promo, promotion, coupon, sale, bulk, cheaper, save,
    saving
gift: gift card, voucher, gift voucher, gift certificate, present, gift
damaged: damaged, damage, broken, broke, crushed, leaking, leaked, smashed, defective, faulty, torn,
    ripped, spilled
decaf: decaf, decaffeinated, caffeine free, no caffeine, without caffeine, low caffeine
caffeine: caffeine, caffein, strength, strong, kick, buzz
subscription: subscription, subscriptions, subscribe, subscribed, plan, plans, recurring, regular
    delivery, membership
brew: brew, brewing, prepare, recipe, make coffee, make my coffee, french press, pour over, cafetiere,
    ratio
grind: grind, ground, grinding, grinder, whole bean, whole beans, coarse
wholesale: wholesale, trade, trade account, business, office, restaurant, bulk supply, supplier, supply,
    stockist, reseller
allergy: allergy, allergies, allergen, allergens, allergic, nut, nuts, gluten, dairy, lactose,
    intolerance
loyalty: loyalty, points, reward, rewards, membership points, bonus points, loyalty card
human: human, agent, person, representative, staff, someone real, real person
upgrade: upgrade, downgrade, change plan, switch plan, faster plan, bigger plan, better plan
contract: contract, commitment, minimum term, lock in, early termination
"""
