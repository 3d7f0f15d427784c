"""Phrase data: the words customers use for the same thing in customer service (shops, deliveries,
subscriptions, internet providers), one group per line, "name: word, word, phrase, ..."; an indented line
continues the group above it.

A word or phrase here makes the knowledge search treat the customer's wording and an entry's wording as
the same idea (at a little less than an exact word). Words are compared stemmed; phrases are written as
customers type them, contractions split ("where's" is "where s"). A word may be in several groups. A group
written "name?:" adds hints to the group "name": words in a customer's message that suggest it without
meaning it (a country suggests shipping abroad; "the president of France" does not), matched at half
strength; an entry that uses such a word is not about the group ("gamers" in the port-forwarding entry
says nothing of a slow connection). Keep groups
narrow: "order" is not "tracking", and "address" alone is a place, not an e-mail.
"""

from __future__ import annotations

__all__ = ["CUSTOMER_SYNONYMS"]

CUSTOMER_SYNONYMS = """
price: price, prices, pricing, cost, costs, how much, fee, fees, charge, rate, rates, expensive, cheap,
    pay for, priced, tariff, quid, bucks, whats the damage, what s the damage, dearer, pricier, pricey,
    spend, spending, minimum spend, certain amount
ship: ship, shipping, shipped, deliver, delivery, send, sent, dispatch, dispatched, postage, courier,
    shipment, mail it, post it, post a, post some, post me, post them,
    get it to me, get to me, delivered, deliveries, arrival, get here, reach me,
    on my doorstep, at my door, land on my doorstep, land at my door,
    delivery date, turnaround, next day,
    same day, expedited, express, first class, tracked delivery, standard delivery, postal, royal mail,
    fedex, dhl, usps, evri, dpd, post to, do you post, normal post, by post, quicker option, quicker delivery,
    faster delivery, faster shipping, get here quicker, arrive quicker, get it quicker, get it faster
international: international, internationally, abroad, overseas, worldwide, another country,
    other countries, foreign, outside the us, ship abroad, deliver abroad, send abroad, outside the uk,
    outside the country, customs, import duty, import duties, duties
international?: germany, france, spain, italy, portugal, netherlands, belgium, austria, ireland, sweden,
    norway, denmark, finland, poland, switzerland, europe, eu, uk, canada, australia, mexico, japan,
    berlin, paris, london, lisbon, madrid, rome, amsterdam, toronto
refund: refund, refunds, money back, my money, reimburse, reimbursement, return, returns, send back,
    give back, send it back, chargeback, exchange, swap, wrong coffee, wrong item, refunded, refunding,
    return policy, returns policy, take it back, take back, returning, send back my, not happy with,
    unhappy, didn t like, don t like it, paid back, store credit, change my mind, changed my mind,
    not liking, don t like, didn t like it, stuck with it, already opened, opened it,
    opened the bag
hours: hours, opening hours, open, opening, close, closing, closed, what time, schedule, timetable,
    business hours, hour, till when, until when, until which time, till which time, until what time,
    till what time, opening times, open times, trading hours, shop hours,
    store hours, office hours, when do you open, when are you open, are you open, closing time, shut,
    open till, open until, open late, how early, open early, will you be open, you be open, how late
track: track, tracking, where is my, where s my, wheres my, tracking number, tracking link, not arrived,
    hasn t arrived, hasnt arrived, still waiting, not received, never arrived, never came, isn t here,
    isnt here, not here yet, still not here, late, lost, been a week, where is it, where s it,
    hasn t turned up, not turned up, not delivered, never delivered, not been delivered, missing,
    missing parcel, order status, any update, update on my order, chase, chasing, has it shipped,
    been dispatched, on its way, out for delivery, follow the delivery, follow my order, follow my parcel,
    follow the parcel, follow the order, keep an eye on, keep track of, where my parcel is, where my order is,
    nothing arrived, nothing s arrived, nothing has arrived, nothing s come, nothing has come, hasn t come,
    hasnt come, not come yet, follow it
order: order, orders, parcel, package, packet, purchase, shipment, box
email: email, e mail, emails, mail, email address, e mail address, inbox, email addy, e mail addy
account: account, acc, acct, accnt
contact: contact, reach you, get in touch, phone, phone number, call, ring, write to, customer service,
    customer support, support, talk to, speak to, message you, someone to talk to, email you, call you,
    phone you, ring you, number to call, helpline, help line, hotline, contact number, contact details,
    get hold of, speak with, talk with, chat with, live chat, whatsapp, text you, telephone,
    customer care, customer services, support team, help desk, helpdesk, message, send a message,
    send you a message, longer message
location: address, location, located, where are you, where is the shop, where is the store,
    where is your store, find you, find your shop, find the shop, find your store, find your roastery,
    directions, visit, based, where is your shop, premises, get to you,
    get there, parking, where are you based, whereabouts, where abouts, physical shop, physical store,
    in person, pop in, pop by, drop by, drop in, stop by, come by, what street, which street, which town,
    sat nav, google maps, addy, near you, nearest station, postcode, post code, zip code, near your shop,
    near the shop, near your cafe, near the cafe, get to the, get to your
wifi: wifi, wi fi, wireless, wlan, internet, net, connection, network, broadband
slow: slow, slower, lag, lagging, laggy, buffering, buffer, sluggish, crawling, slow speeds, poor speed,
    poor speeds, bad speed, low speed, takes forever, ages to load, snail, snail s pace, freezing,
    freezes, stutter, stuttering, pixelated, ping, high ping, latency, take ages, takes ages, taking ages,
    ages to open, in the evenings, every evening, at peak times, peak time, peak times, only getting,
    getting like, getting about, barely getting
speed: speed, speeds, fast, faster, mbps, bandwidth
slow?: netflix, youtube, streaming, gaming
outage: outage, outages, down, service down, network down, fault, problem on your end, your end,
    in my area, in the area, whole street, neighbours, everyone, area, outage in my area,
    service interruption, disruption, anyone else, is it just me, known issue, known problem,
    network problem, network issue, planned work, maintenance, engineering works, our street,
    our road, our area, on your side, your side, at your end, a you thing, went dead, gone dead,
    round here, around here, near me, going on near me, something going on
not working: not working, no internet, no connection, no broadband, nothing loads, nothing works,
    nothing is working, offline, dead, cannot connect, can t connect, cant connect, can t get online,
    won t connect, red light, no signal, no service, no wifi, lost connection, stopped working,
    not loading, won t load, wont load, can t browse, can t get on, no network, no internet access,
    connected but no internet, every device, all devices, all our devices, any device, all my devices
dropping: drop, drops, dropping, dropped, drop out, cuts out, cut out, cutting out, keeps dropping,
    disconnect, disconnects, disconnected, disconnecting, unstable, intermittent, on and off, drops out,
    dropping out, keeps cutting out, keeps disconnecting, losing connection, lose connection,
    loses connection, losing signal, goes off, keeps going off, comes and goes, flaky, patchy, spotty,
    unreliable, drops off, reconnecting, disconnecting and reconnecting,
    comes back on, then comes back, goes off and on, vanishes, disappears, keeps vanishing,
    keeps disappearing, every few minutes, every couple of minutes, for a few seconds, back again
cancel: cancel, cancellation, terminate, termination, leave, leaving, quit, stop, end my,
    close my account, unsubscribe, get out of, opt out, no longer want, no longer need, don t need it,
    don t want it, give notice, notice period, stop sending, stop the deliveries, stop my deliveries,
    close account, delete my account, delete account, want out, i want out
move: move, moving, moved, relocate, relocating, relocation, new address, new house, new home, new flat,
    change address, change of address, change my address, move house, moving out, move out, moving in,
    new property, new place, new apartment, house move, home move, moving home, moving day,
    transfer my service, move my service, come with me, come with us, take it with me, take it with us
move?: to a flat, into a flat, apartment, across town, other side of town, bungalow, cottage, new build,
    new town, new city
home phone: home phone, landline, land line, phone line, house phone, fixed line, digital voice
tv: tv, television, telly, tv package, tv bundle, tv bundles, freeview, sports channels, box sets
router: router, modem, hub, gateway, wifi box, internet box, broadband box, router box, the box, ont,
    fibre box, hub box, modem router
setup: set up, setup, install, installation, installing, configure, configuration, plug in, activate,
    activation, set it up, set this up, hook up, hooked up, hooking up, plug it in, connect it,
    get it working, getting started, which cable, which cables, what goes where, which port, which wire,
    which wires, wire goes where,
    which socket
cafe: cafe, caff, caf, coffee shop, coffeeshop, coffee bar
bill rise: higher, more than usual, more than normal, more than before, gone up, went up, has gone up,
    increase, increased, price rise, price increase, bigger than usual, charged more, dearer,
    more expensive, jumped, doubled, price hike, hike, hiked, paying more, more this month, extra charge,
    extra charges, so high, too high, really high, bigger than last, bigger than the last, bigger than before,
    more than last month, more than last time
connected: connected, get connected, get me online, get online, be online, go live, up and running,
    switched on, live
copy: copy, copies, download, downloads, pdf, printout, duplicate
bill: bill, bills, billing, invoice, invoices, statement, charged, overcharged, charged twice,
    double charged, receipt, charges, charged me, unknown charge, unexpected charge, strange charge,
    don t recognise, don t recognize, payment taken, taken from my account, took money, took my money,
    debited, balance, account balance, do i owe, amount owed, amount due, itemised, itemized, owe, what i owe
pay: pay, payment, payments, paying, card, credit card, debit card, paypal, checkout, apple pay,
    google pay, direct debit, declined, card declined, amex, american express, visa, mastercard, maestro,
    contactless, klarna, cash, bank transfer, pay with, pay by, pay using, payment method,
    payment methods, payment options, ways to pay, bank card, gpay, applepay, shop pay, venmo,
    card rejected, card refused, card not accepted, card won t work, payment declined,
    transaction declined, settle, settle up, tap to pay, pay with my phone, pay by phone, tap my card,
    tap with my phone, tap my phone
due: due, due date, what date, which date, what day, which day, bill taken, payment taken, when do you take,
    take the payment, payment date, bill date, when is my bill, debit date, taken out, take the money,
    day of the month, money come out, money comes out, bill come out, bill comes out, bill go out,
    bill goes out, money goes out, money leave, money leaves, payment come out, payment comes out,
    first payment, first bill
password: password, passwort, pw, pwd, passcode, wifi key, network key, forgot my password,
    forgotten password, forgotten my password, reset password, reset my password, new password,
    wifi code, wi fi code
login: login, log in, sign in, locked out, username, account access, can t log in, cant log in,
    can t sign in, cannot log in, log into, logged out, log on, logon, signin, sign into, locked out of,
    login details, two factor, 2fa, verification code, credentials, get into my account, online account
choice: plan, plans, option, options, package, packages, tier, tiers, choices
discount: discount, discounts, deal, deals, offer, offers, promo, promotion, coupon, sale, cheaper, save,
    saving, promo code, discount code, voucher code, coupon code, money off, percent off, special offer,
    new customer offer, introductory offer, refer a friend, referral, price break
bulk: bulk, large order, large orders, big order, kg, kilo, kilos, kilogram, wholesale quantities, in
    quantity, buy loads, in one go, lots of bags, several bags
gift: gift card, voucher, gift voucher, gift certificate, present, gift, birthday, bday, christmas, giftcard,
    giftcards, e gift, egift, gift cards, gift vouchers, vouchers, gift certificates, gift code,
    e voucher, gifting, as a gift, credit to spend, money to spend, something to spend, he can spend,
    she can spend, they can spend
damaged: damaged, damage, broken, broke, crushed, leaking, leaked, smashed, defective, faulty, torn,
    ripped, spilled, split, split open, burst, dented, squashed, ruined, cracked, spilt, shattered,
    ripped open, torn open, beans all over, coffee all over, all over the box, beans everywhere,
    bashed, wrecked, busted, soaked, hole in, came open, burst open, snapped, soaking, soaking wet,
    wet, soggy
decaf: decaf, decaffeinated, caffeine free, no caffeine, without caffeine, low caffeine, half caff,
    half caf, evening coffee, before bed, after dinner, without the caffeine, off caffeine
decaf?: pregnant, pregnancy, expecting, breastfeeding, evening, evenings, bedtime, at night, late at night
caffeine: caffeine, caffein, strength, strong, kick, buzz, mg, milligrams
subscription: subscription, subscriptions, subscribe, subscribed, plan, plans, recurring,
    regular delivery, membership, sub, subs, every month, every week, fortnightly, every fortnight,
    every two weeks, every 2 weeks, automatically, auto delivery, repeat order, standing order,
    regular order, my sub, coffee subscription, coffee club, every four weeks, every 4 weeks,
    every other week, once a month, twice a month, auto ship, autoship, auto renew, auto renewal,
    monthly delivery, monthly coffee, coffee delivery, monthly box, every few weeks, turning up regularly,
    turn up regularly, sent regularly, delivered regularly, arrive regularly, monthly beans, monthly bag,
    monthly order
brew: brew, brewing, prepare, recipe, make coffee, make my coffee, making it, french press, pour over,
    cafetiere, ratio, bitter, sour, weak, watery, taste, tastes, water temperature, how to make,
    how do i make, brew guide, brewing guide, brew method, brewing method, brewing instructions, plunger,
    steep, steeping, how many grams, how much water, scoop, scoops, tablespoon, dose, best way to make,
    how hot, kettle, boiling water, off the boil, temp, water temp, temperature, per cup, coffee per cup,
    grams per cup, brewing tips, brew tips, tips for brewing
grind: grind, ground, grinding, grinder, whole bean, whole beans, coarse, stovetop, stove top,
    fine enough, how fine, grind size
wholesale: wholesale, trade, trade account, business, office, restaurant, bulk supply, supplier, supply,
    stockist, reseller, trade price, trade prices, for my cafe, for our office, for the office, catering,
    corporate, company, companies, company kitchen, workplace, staff room, staff kitchen
equipment: sell grinders, sell grinder, sell a grinder, grinders for sale, coffee machine, coffee machines,
    espresso machine, espresso machines, coffee maker, coffee makers, or grinders, grinders or,
    coffee grinders, burr grinders, grinders too, grinders as well
allergy: allergy, allergies, allergen, allergens, allergic, nut, nuts, gluten, dairy, lactose,
    intolerance, ingredients, ingredient, traces, may contain, vegan, dairy free, gluten free, nut free,
    peanut, peanuts, almond, almonds, hazelnut, hazelnuts, soy, soya, coeliac, celiac, intolerant,
    anaphylaxis, anaphylactic, epipen, allergic reaction
loyalty: loyalty, loyalty program, loyalty programme, loyalty scheme, rewards program, points, reward,
    rewards, membership points, bonus points, loyalty card, loyalty points, reward points, points card,
    stamp card, stamps, collect points, earn points, points balance, my points, redeem, redeeming,
    redemption, cashback, perks, member benefits, earn anything, earn something, rewards card, reward card,
    rewards scheme
human: human, agent, person, representative, staff, someone real, real person, actual person, live person,
    live agent, operator, advisor, adviser, team member, manager, supervisor
upgrade: upgrade, downgrade, change plan, switch plan, faster plan, bigger plan, better plan, go up,
    move up, change package, change my package, change my plan, switch package, better package,
    faster package, bigger package, smaller plan, slower plan, step down, move down, bump up, bump me up,
    drop down, go down to
contract: contract, commitment, minimum term, lock in, early termination, sign up for, something shorter,
    shorter contract, tied in, tie in, locked in
coverage: coverage, every room, whole house, upstairs, downstairs, bedroom, garden, range, dead spot,
    dead zone, weak signal, mesh, extender, booster, doesn t reach, signal, poor signal, bad signal,
    low signal, signal strength, no bars, one bar, back of the house, top floor, loft, attic, basement,
    cellar, living room, conservatory, thick walls, range extender, repeater, powerline
data cap: data cap, cap, capped, limit, limits, data limit, throttle, throttled, throttling, fair use,
    unlimited, usage, heavy user, heavy users, heavy use, a lot of data, lots of data, gb, gigabytes,
    download limit, usage limit, monthly limit, limit on how much, how much data, allowance, data allowance,
    fair usage, traffic management,
    loads of data, download loads, download a lot, downloading loads, hit a limit, kind of limit,
    hit the limit
available: available, availability, do you cover, cover my, serve my, postcode, in my area yet,
    serve my area, service my area, available at my, available in my, reach my, rural, village,
    villages, countryside, out in the sticks
benefits: benefits, on benefits, universal credit, income support, low income, social tariff, pension credit,
    jobseekers, housing benefit, disability benefit
refund timing: show up on, shows up on, appear on my card, appears on my card, back on my card,
    back in my account, hit my account, reach your card, reach my card
speed test: speed test, speedtest, test my speed, check my speed, check the speed, test speed, measure,
    check what speed, what speed im getting, speed im actually getting
no show: didn t turn up, didnt turn up, never turned up, never showed, never showed up, didn t show,
    didnt show, no show, nobody came, no one came, nobody turned up, no one turned up, nobody showed up,
    missed appointment, missed the appointment, stood up, never came, never come, didn t come,
    didnt come, did not come, meant to be here, supposed to be here, was meant to come,
    was supposed to come, still not here
engineer: engineer, engineers, technician, technicians, tech, installer, fitter
reset: reset, restart, reboot, factory reset, turn off and on, off and on again, power cycle, wipe,
    wipe it, out of the box, default settings, original settings, factory settings, back to default,
    how it came, as it came, back to normal settings, put it back
expire: expire, expires, expiry, expired, expiration, run out, runs out, lapse, valid, validity, use by,
    expiry date, expiration date, go out of date, out of date
missed payment: overdue, arrears, unpaid, bounced, behind on, forgot to pay, didn t pay, haven t paid,
    late fee, couldn t pay, can t pay, cant pay, couldnt pay, unable to pay, can t afford, cut me off
pause: pause, pausing, paused, skip, skipping, skipped, skip a delivery, skip a month, skip next,
    put on hold, on hold, hold off, suspend, suspended, freeze, take a break, have a break, break from
lights: light, lights, led, leds, flashing, flashes, flashing light, blinking, blinks, blinking light,
    amber, amber light, orange light, orange lights, green light, white light, solid light, lit up
appointment: appointment, appointments, reschedule, rescheduling, rebook, rearrange, re arrange, booking,
    booked, book in, change the date, another date, different date, another day, different day, postpone,
    move it to, move the install, move my install, move the appointment, move my appointment,
    reschedule the engineer, rebook the engineer, rearrange the engineer,
    engineer slot, can t make it, cant make it, install slot, installation slot, can it be moved,
    be moved, move my engineer, move the engineer, move my installation, move the installation,
    move my visit, move the visit
hours?: weekend, weekends, saturday, saturdays, sunday, sundays, bank holiday, bank holidays,
    public holiday, public holidays
gift?: secret santa, stocking filler, anniversary, fathers day, father s day, mothers day, mother s day,
    valentine, valentines
fix time: fix time, be back, be back up, be back on, back online, be fixed, be sorted, be working again,
    eta, estimated time
compensation: compensation, compensate, compensated, goodwill, goodwill gesture, make up for, entitled to,
    owed, knocked off, knock off, off the bill, off my bill
own router: own router, my own router, bring my own, third party router, instead of yours,
    swap your router, swap your hub, replace your router, replace the router, use my router
own router?: asus, netgear, tp link, tplink, linksys, eero, gaming router, mesh router
ports: forward ports, open ports, open a port, nat, nat type, strict nat,
    moderate nat, upnp, dmz
ports?: xbox, playstation, ps5, ps4, nintendo, switch online, console
parental: parental controls, parental control, block websites, block sites, block a website, block apps,
    block certain sites, block certain websites, block some websites, website blocking, content filter,
    web filter, safe search, family filter,
    child safe, kid safe, age restrictions, adult content, dodgy websites, dodgy sites, stop my kids,
    stop the kids, stop my children, inappropriate sites, unsuitable sites, adult websites, adult sites,
    internet off at night, switch the internet off, turn the internet off, restrict what, restrict access,
    what she can see, what he can see, what they can see, stumble onto, stumble across, turn her internet off,
    turn his internet off, turn their internet off
parental?: tiktok, instagram, snapchat, social media, screen time, bedtime, kids, children, my son,
    my daughter, teenager, teenagers, school night, school nights
new customer: new customer, new customers, if i join, when i join, joining, new joiner, new joiners,
    new sign ups, new signups, first time customer
switch: switch to you, come over to you, move over to you, move to you, join you, switch over,
    switch provider, switch providers, change provider, change providers, from another provider
guarantee: guarantee, guaranteed, guarantees, promised, advertised, minimum speed, what i pay for,
    speed i pay for, commit to, committed to, lowest speed, slowest speed
"""
