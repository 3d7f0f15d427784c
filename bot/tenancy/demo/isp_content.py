"""Content of the second demo tenant (Nimbus Fibre, an internet provider's support desk) that `chatbot demo`
loads next to the coffee shop, so that the bot can be tried (and measured) in another domain."""

from __future__ import annotations

from bot.tenancy.demo.content import DemoBot, DemoCommand, DemoKnowledgeEntry, DemoTemplate, DemoTenant

ISP_TENANT = DemoTenant(name="Nimbus Fibre", slug="isp", link_domain="nimbusfibre.example")

ISP_BOT = DemoBot(
    name="Skye",
    persona=(
        "You are Skye, the support assistant of Nimbus Fibre, a home and business broadband provider. "
        "Be calm, clear and practical: troubleshoot step by step, answer from the knowledge base, never "
        "promise compensation or prices that it does not state, and offer a human colleague for anything "
        "about a specific account."
    ),
)

# Tenant intents (tenants.settings["intents"]) that the ISP's customers use and the built-ins lack.
ISP_INTENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "outage",
        # The service being down, in the customer's words: a router or its lights in general are
        # support (setting it up, resetting it), so only a dead service speaks of them here.
        (
            "is there an outage",
            "is the network down in my area",
            "the internet is down",
            "we have had no internet since this morning",
            "broadband not working at all",
            "my connection is completely dead",
            "service outage near me",
            "is there a fault on the line where i live",
            "the whole neighbourhood lost service",
            "nothing loads on any device",
            "the light went red and the service stopped",
            "when will the service be back",
            "how long until the outage is fixed",
            "is something wrong with your network",
            "where do i see if the service is down",
            "the internet suddenly stopped",
        ),
    ),
    (
        "moving_house",
        (
            "i'm moving house",
            "we are moving to a new address",
            "can i take my broadband with me when i move",
            "relocating next month what happens to my contract",
            "moving home and need internet at the new place",
            "transfer my service to my new flat",
        ),
    ),
)


def _entry(question: str, answer: str, keywords: tuple[str, ...], category: str) -> DemoKnowledgeEntry:
    return DemoKnowledgeEntry(question=question, answer=answer, keywords=keywords, category=category)


ISP_KNOWLEDGE: tuple[DemoKnowledgeEntry, ...] = (
    # --- outages and status
    _entry(
        "Is there an outage in my area?",
        "Check live network status at status.nimbusfibre.example (enter your postcode) or type !status. "
        "Known outages show the area, the cause and when we expect the fix; we also text affected customers.",
        ("outage", "network down", "service status", "area", "status page"),
        "Outages",
    ),
    _entry(
        "My internet is not working at all. What should I do?",
        "First check the status page for an outage. Then turn the router off at the wall for 30 seconds and "
        "back on, and make sure the fibre and power cables are pushed in. If the light stays red after "
        "10 minutes, tell us and we'll run a line test.",
        ("no internet", "not working", "no connection", "offline", "red light"),
        "Outages",
    ),
    _entry(
        "Will I get compensation when my service is down?",
        "Yes: if a fault or outage lasts more than 2 full days, we credit $5 for every further day "
        "automatically on your next bill. A missed engineer appointment earns a $30 credit.",
        ("compensation", "credit", "refund for outage", "money back", "downtime"),
        "Outages",
    ),
    _entry(
        "How long does it take to fix an outage?",
        "Most outages are fixed within 4 hours; damaged cables in the street can take 1-2 days. The status "
        "page shows the latest estimate and we text you when the service is back.",
        ("fix time", "how long", "repair", "estimate", "back up"),
        "Outages",
    ),
    _entry(
        "My connection keeps dropping. How can I fix it?",
        "Drop-outs are usually Wi-Fi rather than the line: plug a device in with a cable to compare, move "
        "the router away from the TV and microwave, and restart it. If the cable connection drops too, "
        "tell us and we'll check the line remotely.",
        ("dropping", "disconnects", "cuts out", "unstable", "intermittent"),
        "Speed",
    ),
    # --- speed
    _entry(
        "Why is my internet slow?",
        "Slow speeds are most often Wi-Fi: too many devices, thick walls or distance from the router. "
        "Restart the router, test with a cable using our speed test, and close background downloads. "
        "If a wired test is far below your plan, contact us.",
        ("slow", "speed", "lag", "buffering", "sluggish"),
        "Speed",
    ),
    _entry(
        "How do I run a speed test?",
        "Connect a computer to the router with an Ethernet cable, close other apps and go to "
        "speedtest.nimbusfibre.example. Run it three times at different times of day and note the results.",
        ("speed test", "speedtest", "test speed", "measure", "mbps"),
        "Speed",
    ),
    _entry(
        "What speed am I guaranteed?",
        "Every plan has a guaranteed minimum of 80% of its advertised speed on a wired connection. If "
        "you're below it for 3 days in a row we fix it within 30 days, or you may leave without a fee.",
        ("guaranteed", "minimum speed", "advertised speed", "promise", "below"),
        "Speed",
    ),
    # --- router and wifi
    _entry(
        "How do I set up my new router?",
        "Plug the fibre cable into the port marked WAN and connect the power. After about 5 minutes the "
        "light turns solid green; then join the Wi-Fi name printed on the sticker on the back, using the "
        "password beside it.",
        ("set up", "setup", "install router", "new router", "connect router"),
        "Router",
    ),
    _entry(
        "How do I change my wifi name and password?",
        "Open the Nimbus app and go to Wi-Fi > Settings, or visit 192.168.1.1 in a browser and sign in with "
        "the admin password on the router's sticker. Devices must reconnect with the new password.",
        ("wifi password", "change password", "network name", "ssid", "rename"),
        "Router",
    ),
    _entry(
        "Where can I find my wifi password?",
        "The original Wi-Fi name and password are printed on the sticker on the back of the router. If you "
        "changed them, you'll see the current ones in the Nimbus app under Wi-Fi.",
        ("forgot password", "wifi key", "sticker", "find password", "network key"),
        "Router",
    ),
    _entry(
        "How do I reset my router to factory settings?",
        "With the router on, press and hold the small Reset hole with a paperclip for 15 seconds until "
        "the lights flash. It restarts with the name and password on its sticker; any custom settings are "
        "lost. A simple restart (off and on) is usually enough.",
        ("reset", "factory reset", "restart", "reboot", "reset button"),
        "Router",
    ),
    _entry(
        "How can I get better wifi in every room?",
        "Put the router high up in the middle of your home, away from mirrors and fish tanks. For big or "
        "thick-walled homes our Nimbus Mesh booster costs $5 a month and covers up to 3 extra rooms.",
        ("weak signal", "coverage", "mesh", "booster", "dead spot"),
        "Router",
    ),
    _entry(
        "What do the lights on my router mean?",
        "Solid green: all good. Flashing green: starting up or updating. Amber: connected to the router "
        "but no internet yet. Red: no signal on the fibre line - check the cable, then check for an outage.",
        ("lights", "led", "amber", "flashing", "blinking"),
        "Router",
    ),
    _entry(
        "Can I use my own router?",
        "Yes. Set its WAN to DHCP with VLAN 101; no username is needed. Keep our router in case you need "
        "support, as our team can only troubleshoot equipment we supply.",
        ("own router", "third party", "bring my own", "vlan", "replace router"),
        "Router",
    ),
    _entry(
        "How do I set up port forwarding?",
        "In the Nimbus app go to Advanced > Port forwarding, choose the device and the port numbers. "
        "Gamers often need it for hosting; it needs a public IP, which all home plans include (not static).",
        ("port forwarding", "open ports", "nat", "gaming", "console"),
        "Router",
    ),
    _entry(
        "How can I track my router delivery?",
        "Your router is dispatched within 2 working days of your order, and we text and email you a "
        "tracking link. Not arrived after 5 days? Send us your order number and we'll chase it.",
        ("delivery", "tracking", "router delivery", "dispatched", "parcel"),
        "Router",
    ),
    # --- billing
    _entry(
        "How do I pay my bill?",
        "Most customers pay by Direct Debit, taken on the 5th of each month. You can also pay by card or "
        "PayPal in the Nimbus app or at my.nimbusfibre.example.",
        ("pay", "payment", "direct debit", "card", "paypal"),
        "Billing",
    ),
    _entry(
        "When is my bill due?",
        "Your bill is issued on the 1st of the month and paid on the 5th. The first bill also covers the "
        "days from your connection date, so it is usually a little higher.",
        ("due date", "bill date", "when", "charged", "billing cycle"),
        "Billing",
    ),
    _entry(
        "Why is my bill higher than usual?",
        "The usual reasons: an introductory discount has ended, a part-month charge after a plan change, "
        "add-ons such as a static IP or mesh, or a late-payment fee. Each charge is itemised in your bill "
        "in the app.",
        ("higher bill", "bill went up", "overcharged", "extra charge", "price increase"),
        "Billing",
    ),
    _entry(
        "How do I update my payment details?",
        "In the Nimbus app or at my.nimbusfibre.example go to Billing > Payment method to change your card "
        "or bank account. Changes made before the 3rd apply to that month's payment.",
        ("update card", "change bank", "payment method", "new card", "direct debit details"),
        "Billing",
    ),
    _entry(
        "What happens if I miss a payment?",
        "We send a reminder and try again after 7 days. After 14 days a $5 late fee is added, and after "
        "30 days unpaid the service is slowed until the balance is paid.",
        ("missed payment", "late", "overdue", "late fee", "failed payment"),
        "Billing",
    ),
    _entry(
        "Where can I see my bills?",
        "Every bill is in the Nimbus app and at my.nimbusfibre.example under Billing, as a PDF you can "
        "download. We also email you when a new bill is ready.",
        ("invoice", "statement", "bills", "pdf", "receipt"),
        "Billing",
    ),
    _entry(
        "Do you have a cheaper plan for people on benefits?",
        "Yes: Nimbus Essential is 50 Mbps for $15 a month, on a 30-day contract with no exit fee, for "
        "customers receiving income support. Apply in the app with proof of entitlement.",
        ("social tariff", "benefits", "low income", "essential", "affordable"),
        "Billing",
    ),
    # --- moving, switching, cancelling
    _entry(
        "I'm moving house. Can I take my broadband with me?",
        "Yes - tell us at least 2 weeks before you move, in the app under Moving home. If we cover your new "
        "address the move is free and your contract carries on; we book any engineer visit needed.",
        ("moving", "move house", "new address", "relocate", "home move"),
        "Moving",
    ),
    _entry(
        "Is Nimbus Fibre available at my address?",
        "Enter your postcode at nimbusfibre.example/check to see the plans available at your address and "
        "the earliest installation date.",
        ("available", "coverage", "postcode", "address check", "area"),
        "Moving",
    ),
    _entry(
        "How do I switch to Nimbus from another provider?",
        "Just order with us: we arrange the switch with your current provider, so you don't need to cancel "
        "your old contract yourself. There's usually less than an hour without internet on switch day.",
        ("switch", "switching", "change provider", "leave my provider", "transfer"),
        "Moving",
    ),
    _entry(
        "How do I cancel my contract?",
        "Give us 30 days' notice by phone or chat. Inside the minimum term an early exit fee applies; after "
        "it, there's no fee. Return the router within 30 days of your last day.",
        ("cancel", "cancellation", "terminate", "leave", "end contract"),
        "Cancelling",
    ),
    _entry(
        "Is there a fee for leaving before my contract ends?",
        "Yes: leaving inside the minimum term costs half of the remaining monthly payments. There's no fee "
        "if we can't fix a speed problem under our guarantee, or if you move somewhere we don't cover.",
        ("early exit fee", "termination fee", "break contract", "penalty", "minimum term"),
        "Cancelling",
    ),
    _entry(
        "Do I need to return my router when I leave?",
        "Yes - we email you a free returns label. Please send the router back within 30 days of your last "
        "day; if it doesn't arrive we charge $60.",
        ("return router", "send back", "equipment return", "returns label", "give back"),
        "Cancelling",
    ),
    _entry(
        "How long is the contract?",
        "Choose 24 months for the lowest price, 12 months, or a 30-day rolling contract for $10 a month "
        "more. You can upgrade at any time without starting a new contract.",
        ("contract length", "minimum term", "months", "rolling", "commitment"),
        "Plans",
    ),
    _entry(
        "Can I upgrade or downgrade my plan?",
        "Upgrade at any time in the app - the new speed arrives within 24 hours. Downgrades are possible at "
        "the end of your minimum term.",
        ("upgrade", "downgrade", "change plan", "faster plan", "switch plan"),
        "Plans",
    ),
    # --- installation
    _entry(
        "How does installation work?",
        "Standard installation is free. An engineer visits for 1-3 hours to fit a small box where the fibre "
        "enters your home and connect the router; someone over 18 must be at home.",
        ("installation", "engineer", "install", "fitting", "visit"),
        "Installation",
    ),
    _entry(
        "How do I change my installation appointment?",
        "Rebook or cancel in the app under My appointment, or by replying to your confirmation text, at "
        "least 48 hours before the visit. Appointments are in morning (8-1) or afternoon (1-6) slots.",
        ("appointment", "reschedule", "rebook", "change date", "booking"),
        "Installation",
    ),
    _entry(
        "The engineer didn't turn up. What now?",
        "We're sorry. A missed appointment earns a $30 credit on your next bill automatically. Message us "
        "with your order number and we'll book the first free slot, usually within 3 days.",
        ("missed appointment", "no show", "engineer didn't come", "didn't turn up", "waited"),
        "Installation",
    ),
    _entry(
        "How long until I'm connected after ordering?",
        "Most homes are connected in 7-14 days. If your street needs new fibre built it can take up to "
        "30 days; your order page shows the date.",
        ("lead time", "how soon", "connected", "go live", "start date"),
        "Installation",
    ),
    # --- plan features
    _entry(
        "Is there a data cap?",
        "No. Every plan is truly unlimited: no data caps, no traffic management and no fair-use limits.",
        ("data cap", "unlimited", "data limit", "usage", "throttling"),
        "Plans",
    ),
    _entry(
        "Can I get a static IP address?",
        "Yes, a static IPv4 address is a $5 a month add-on on any plan (included with Business plans). Add "
        "it in the app under Extras; it's active within an hour.",
        ("static ip", "fixed ip", "ip address", "ipv4", "dedicated ip"),
        "Plans",
    ),
    _entry(
        "How do I set up parental controls?",
        "NimbusShield is free on every plan: in the app go to Family to block adult content, set bedtimes "
        "and pause the internet per device.",
        ("parental controls", "block sites", "kids", "children", "filter"),
        "Plans",
    ),
    _entry(
        "Do you offer a home phone or TV?",
        "We offer a home phone line as an $8 a month add-on with free UK evening calls. We don't sell TV "
        "packages, but every streaming service works on our network.",
        ("landline", "home phone", "tv", "calls", "streaming"),
        "Plans",
    ),
    _entry(
        "Do you offer business broadband?",
        "Yes - Nimbus Business includes a static IP, a 4-hour fix commitment and priority support. Email "
        "business@nimbusfibre.example for a quote.",
        ("business", "office", "company", "sla", "commercial"),
        "Plans",
    ),
    _entry(
        "Do you have any offers for new customers?",
        "New customers get free standard installation and the first 3 months at $20 a month off on 24-month "
        "contracts. Refer a friend and you both get a $50 bill credit.",
        ("offer", "deal", "promotion", "discount", "refer"),
        "Plans",
    ),
    # --- contact and account
    _entry(
        "What are your customer service opening hours?",
        "Our team answers the phone and chat 8am to 8pm, Monday to Saturday, and 10am to 4pm on Sundays. "
        "Fault reporting on 0800 555 0199 is open 24/7.",
        ("hours", "opening hours", "open", "sunday", "available"),
        "Contact",
    ),
    _entry(
        "How can I contact you?",
        "Call 0800 555 0199, email help@nimbusfibre.example or chat in the Nimbus app. We answer emails "
        "within one working day.",
        ("contact", "phone number", "email", "call", "customer service"),
        "Contact",
    ),
    _entry(
        "How do I log in to my account?",
        "Sign in at my.nimbusfibre.example or in the Nimbus app with your email address. Forgot the "
        "password? Choose 'Reset password' and we'll email you a link.",
        ("login", "log in", "sign in", "account", "reset password"),
        "Contact",
    ),
)

ISP_TEMPLATES: tuple[DemoTemplate, ...] = (
    # Greeting-only triggers, as for the coffee shop: "internet" or "wifi" would hijack real questions.
    DemoTemplate(
        name="greeting",
        trigger_keywords=("hi", "hello", "hey", "good morning", "good afternoon", "good evening"),
        body=(
            "Hi {first_name}! I'm {bot_name}, the support assistant at {tenant_name}. Ask me about outages, "
            "speed, your router, bills or moving home - or type !help to see what I can do."
        ),
    ),
    DemoTemplate(
        name="thanks",
        trigger_keywords=("thanks", "thank you", "cheers"),
        body="Glad I could help, {first_name}! Anything else about your connection?",
    ),
    DemoTemplate(
        name="goodbye",
        trigger_keywords=("bye", "goodbye"),
        body="Bye for now, {first_name} - happy browsing!",
    ),
    DemoTemplate(
        name="human request",
        trigger_keywords=("agent", "human", "real person"),
        body=(
            "Of course, {first_name}. I'm passing you to a member of the {tenant_name} support team - "
            "someone will reply here shortly."
        ),
    ),
)

ISP_COMMANDS: tuple[DemoCommand, ...] = (
    DemoCommand(
        command="!help",
        response=(
            "Here's what I can do:\n"
            "!status - network status and planned work\n"
            "!plans - our plans and prices\n"
            "!help - this list\n"
            "Or just ask a question, like 'why is my wifi slow?'"
        ),
    ),
    DemoCommand(
        command="!status",
        response=(
            "Network status: all services are running normally. Planned work: Northgate exchange, "
            "Tuesday 1am-5am. Live status by postcode: status.nimbusfibre.example"
        ),
    ),
    DemoCommand(
        command="!plans",
        response=(
            "Our plans (all unlimited, price per month on 24 months):\n"
            "Fibre 150 - $30\n"
            "Fibre 500 - $40\n"
            "Fibre 900 - $55\n"
            "Gigabit 2000 - $70\n"
            "12-month contracts cost $3 more, 30-day rolling $10 more. Standard installation is free."
        ),
    ),
)
