"""Phrase data: the words customers use for the same thing in customer service (shops, deliveries,
subscriptions, internet providers), one group per line, "name: word, word, phrase, ..."; an indented line
continues the group above it.

A word or phrase here makes the knowledge search treat the customer's wording and an entry's wording as
the same idea (at a little less than an exact word). Words are compared stemmed; phrases are written as
customers type them, contractions split ("where's" is "where s"). A word may be in several groups. A group
written "name?:" adds hints to the group "name": words that suggest it without meaning it (a country
suggests shipping abroad; "the president of France" does not), matched at half strength. Keep groups
narrow: "order" is not "tracking", and "address" alone is a place, not an e-mail.
"""

from __future__ import annotations

__all__ = ["CUSTOMER_SYNONYMS"]

CUSTOMER_SYNONYMS = """
price: price, prices, pricing, cost, costs, how much, fee, fees, charge, rate, rates, expensive, cheap,
    pay for, priced, tariff, quid, bucks
ship: ship, shipping, shipped, deliver, delivery, send, sent, dispatch, dispatched, postage, courier,
    shipment, mail it, post it, get it to me
international: international, internationally, abroad, overseas, worldwide, another country, other
    countries, foreign, outside the us
international?: germany, france, spain, italy, portugal, netherlands, belgium, austria, ireland, sweden,
    norway, denmark, finland, poland, switzerland, europe, eu, uk, canada, australia, mexico, japan,
    berlin, paris, london, lisbon, madrid, rome, amsterdam, toronto
refund: refund, refunds, money back, my money, reimburse, reimbursement, return, returns, send back,
    give back, send it back, chargeback, exchange, swap, wrong coffee, wrong item
hours: hours, opening hours, open, opening, close, closing, closed, what time, schedule, timetable,
    business hours, hour, till when, until when
track: track, tracking, where is my, where s my, wheres my, tracking number, tracking link, not arrived,
    hasn t arrived, hasnt arrived, still waiting, not received, never arrived, never came, isn t here,
    isnt here, not here yet, still not here, status, late, lost, been a week
order: order, orders, parcel, package, packet, purchase, shipment
email: email, e mail, emails, mail, email address, e mail address, inbox
contact: contact, reach you, get in touch, phone, phone number, call, ring, write to, customer service,
    customer support, support, talk to, speak to, message you, someone to talk to
location: address, location, located, where are you, where is the shop, where is the store, where is
    your store, find you, directions, visit, based, where is your shop, premises, get to you, how do i
    get to, get there, parking
wifi: wifi, wi fi, wireless, wlan, internet, net, connection, network, broadband
slow: slow, slower, lag, lagging, laggy, buffering, buffer, sluggish, crawling
speed: speed, speeds, fast, faster, mbps, bandwidth
slow?: netflix, youtube, streaming, gaming
outage: outage, outages, down, service down, network down, fault, problem on your end, your end, in my
    area, in the area, whole street, neighbours, everyone, area
not working: not working, no internet, no connection, no broadband, nothing loads, nothing works,
    nothing is working, offline, dead, cannot connect, can t connect, cant connect, can t get online,
    won t connect, red light
dropping: drop, drops, dropping, dropped, drop out, cuts out, cut out, cutting out, keeps dropping,
    disconnect, disconnects, disconnected, disconnecting, unstable, intermittent, on and off
cancel: cancel, cancellation, terminate, termination, leave, leaving, quit, stop, end my, close my
    account, unsubscribe, get out of
move: move, moving, moved, relocate, relocating, relocation, new address, new house, new home, new flat,
    change address, change of address, change my address, move house
router: router, modem, hub, gateway
setup: set up, setup, install, installation, installing, configure, configuration, plug in, activate,
    activation
cafe: cafe, caff, caf, coffee shop, coffeeshop, coffee bar
bill rise: higher, more than usual, more than normal, more than before, gone up, went up, has gone up,
    increase, increased, price rise, price increase, bigger than usual, charged more, dearer
connected: connected, get connected, get me online, get online, be online, go live, up and running,
    switched on, live
bill: bill, bills, billing, invoice, invoices, statement, charged, overcharged, charged twice, double
    charged, receipt
pay: pay, payment, payments, paying, card, credit card, debit card, paypal, checkout, apple pay, google
    pay, direct debit, declined, card declined, amex, american express, visa, mastercard, maestro,
    contactless, klarna,
    cash, bank transfer
due: due, due date, what date, which date, when do you take, take the payment, payment date, bill date,
    when is my bill, debit date, taken out
password: password, passwort, login, log in, sign in, locked out, username, account access, pw, pwd,
    passcode, wifi key, network key
discount: discount, discounts, deal, deals, offer, offers, promo, promotion, coupon, sale, cheaper,
    save, saving
bulk: bulk, large order, large orders, big order, kg, kilo, kilos, kilogram, wholesale quantities, in
    quantity
gift: gift card, voucher, gift voucher, gift certificate, present, gift, birthday, christmas, giftcard,
    giftcards, e gift, egift
damaged: damaged, damage, broken, broke, crushed, leaking, leaked, smashed, defective, faulty, torn,
    ripped, spilled, split, split open, burst, dented, squashed, ruined, cracked
decaf: decaf, decaffeinated, caffeine free, no caffeine, without caffeine, low caffeine
caffeine: caffeine, caffein, strength, strong, kick, buzz
subscription: subscription, subscriptions, subscribe, subscribed, plan, plans, recurring, regular
    delivery, membership, sub, subs,
    every month, every week, fortnightly, every fortnight, every two weeks,
    every 2 weeks, automatically, auto delivery, repeat order, standing order, regular order
brew: brew, brewing, prepare, recipe, make coffee, make my coffee, making it, french press, pour over,
    cafetiere, ratio, bitter, sour, taste, tastes, water temperature
grind: grind, ground, grinding, grinder, whole bean, whole beans, coarse
wholesale: wholesale, trade, trade account, business, office, restaurant, bulk supply, supplier, supply,
    stockist, reseller
allergy: allergy, allergies, allergen, allergens, allergic, nut, nuts, gluten, dairy, lactose,
    intolerance
loyalty: loyalty, loyalty program, loyalty programme, loyalty scheme, rewards program, points, reward,
    rewards, membership points, bonus points, loyalty card
human: human, agent, person, representative, staff, someone real, real person
upgrade: upgrade, downgrade, change plan, switch plan, faster plan, bigger plan, better plan, go up,
    move up
contract: contract, commitment, minimum term, lock in, early termination
coverage: coverage, every room, whole house, upstairs, downstairs, bedroom, garden, range, dead spot,
    dead zone, weak signal, mesh, extender, booster, doesn t reach, signal
data cap: data cap, cap, capped, limit, limits, data limit, throttle, throttled, throttling, fair use,
    unlimited, usage,
    heavy user, heavy users, heavy use, a lot of data, lots of data
available: available, availability, do you cover, cover my, serve my, postcode, in my area yet
speed test: speed test, speedtest, test my speed, check my speed, check the speed, test speed, measure
no show: didn t turn up, didnt turn up, never turned up, never showed, never showed up, didn t show,
    didnt show, no show, nobody came, no one came, nobody turned up, no one turned up, nobody showed up,
    missed appointment, missed the appointment, stood up
reset: reset, restart, reboot, factory reset, turn it off and on, power cycle
expire: expire, expires, expiry, expired, expiration, run out, runs out, lapse, valid, validity, use by
"""
