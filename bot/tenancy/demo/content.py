"""Content of the demo tenant (a small online coffee shop) that `chatbot demo` loads into a fresh database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTenant:
    name: str
    slug: str
    # The shop's site: allowed for tracked links (with its subdomains) so create_checkout_link works.
    link_domain: str


@dataclass(frozen=True)
class DemoBot:
    name: str
    persona: str


@dataclass(frozen=True)
class DemoKnowledgeEntry:
    question: str
    answer: str
    keywords: tuple[str, ...]
    category: str


@dataclass(frozen=True)
class DemoTemplate:
    name: str
    trigger_keywords: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class DemoCommand:
    command: str
    response: str


DEMO_TENANT = DemoTenant(name="Demo Coffee Roasters", slug="demo", link_domain="democoffee.example")

DEMO_BOT = DemoBot(
    name="Bean",
    persona=(
        "You are Bean, the friendly assistant of Demo Coffee Roasters, a small-batch roastery that sells "
        "coffee online and from its own café. Be warm, brief and practical; answer from the shop's "
        "knowledge base, never invent prices or policies, and offer a human colleague when unsure. "
        f"The online shop is https://shop.{DEMO_TENANT.link_domain}/."
    ),
)

DEMO_KNOWLEDGE: tuple[DemoKnowledgeEntry, ...] = (
    DemoKnowledgeEntry(
        question="What are your opening hours?",
        answer=(
            "Our café and roastery are open Monday to Saturday, 9am to 6pm, and closed on Sundays. "
            "The online shop takes orders around the clock."
        ),
        keywords=("hours", "opening", "open", "closed", "sunday"),
        category="Store",
    ),
    DemoKnowledgeEntry(
        question="How long does shipping take and how much does it cost?",
        answer=(
            "Orders placed before 1pm on a weekday are roasted and shipped the same day. Standard "
            "delivery takes 2-4 business days and costs $5.95, free on orders over $40. Express "
            "delivery arrives in 1-2 business days for $12."
        ),
        keywords=("shipping", "delivery", "postage", "express", "cost"),
        category="Shipping",
    ),
    DemoKnowledgeEntry(
        question="What is your returns and refunds policy?",
        answer=(
            "If you're not happy with a coffee, tell us within 30 days and we'll replace it or refund "
            "you in full - no need to send opened bags back. Refunds reach your card in 3-5 business days."
        ),
        keywords=("return", "returns", "refund", "money back", "unhappy"),
        category="Orders",
    ),
    DemoKnowledgeEntry(
        question="What subscription plans do you offer?",
        answer=(
            "Choose one, two or four 12 oz bags delivered every 2 or 4 weeks. Subscribers save 15% on "
            "every bag, shipping is always free, and you can pause, skip or swap coffees at any time."
        ),
        keywords=("subscription", "subscribe", "plan", "plans", "recurring"),
        category="Subscriptions",
    ),
    DemoKnowledgeEntry(
        question="Which payment methods do you accept?",
        answer=(
            "We accept Visa, Mastercard, American Express, PayPal, Apple Pay and Google Pay. In the café "
            "we also take cash."
        ),
        keywords=("payment", "pay", "card", "paypal", "apple pay"),
        category="Payments",
    ),
    DemoKnowledgeEntry(
        question="Where is your store located?",
        answer=(
            "You'll find our café and roastery at 12 Harbour Street, Brightwater, next to the old "
            "lighthouse. There's free parking behind the building."
        ),
        keywords=("location", "address", "store", "cafe", "directions"),
        category="Store",
    ),
    DemoKnowledgeEntry(
        question="Do you supply cafés and offices wholesale?",
        answer=(
            "Yes! We roast for cafés, restaurants and offices, with free training and equipment advice. "
            "Email wholesale@democoffee.example with your expected weekly volume and we'll send a quote."
        ),
        keywords=("wholesale", "trade", "office", "restaurant", "supply"),
        category="Wholesale",
    ),
    DemoKnowledgeEntry(
        question="Do you sell gift cards?",
        answer=(
            "We do - digital gift cards from $10 to $200, delivered by email on the date you choose. "
            "They never expire and work online and in the café."
        ),
        keywords=("gift card", "gift", "voucher", "present"),
        category="Payments",
    ),
    DemoKnowledgeEntry(
        question="How should I brew your coffee?",
        answer=(
            "A good starting point is 15 g of coffee to 250 ml of water just off the boil (about 94°C). "
            "For pour-over aim for a 3-minute brew; for a French press steep 4 minutes, then plunge gently. "
            "Every bag has a brew guide on the back."
        ),
        keywords=("brew", "brewing", "recipe", "pour-over", "french press"),
        category="Brewing",
    ),
    DemoKnowledgeEntry(
        question="Do you have decaf coffee?",
        answer=(
            "Yes - our Night Owl decaf is a Colombian coffee decaffeinated with the chemical-free Swiss "
            "Water process. It tastes of milk chocolate and red apple."
        ),
        keywords=("decaf", "decaffeinated", "caffeine free", "night owl"),
        category="Products",
    ),
    DemoKnowledgeEntry(
        question="Are your products safe for people with allergies?",
        answer=(
            "Our coffee beans contain nothing but coffee. Our roastery also packs hazelnut and almond "
            "biscotti, so we can't rule out traces of nuts; dairy and gluten are not handled on site."
        ),
        keywords=("allergy", "allergies", "allergen", "nuts", "gluten"),
        category="Products",
    ),
    DemoKnowledgeEntry(
        question="How can I track my order?",
        answer=(
            "As soon as your parcel leaves the roastery we email you a tracking link. You can also see it "
            "under 'My orders' in your account. No email? Check your spam folder or send us your order "
            "number."
        ),
        keywords=("track", "tracking", "where is my order", "parcel", "status"),
        category="Orders",
    ),
    DemoKnowledgeEntry(
        question="How can I contact you by email?",
        answer=(
            "Write to hello@democoffee.example and a member of the team will reply within one business day."
        ),
        keywords=("contact", "email", "support", "customer service"),
        category="Store",
    ),
    DemoKnowledgeEntry(
        question="How do loyalty points work?",
        answer=(
            "You earn 1 Bean Point for every $1 you spend, online or in the café. 100 points take $5 off "
            "your next order, and points stay valid for 12 months."
        ),
        keywords=("loyalty", "points", "rewards", "bean points"),
        category="Rewards",
    ),
    DemoKnowledgeEntry(
        question="Which grind options can I choose?",
        answer=(
            "We ship whole beans by default, or we can grind for espresso, moka pot, AeroPress, filter, "
            "or French press. Just pick the grind when you add a coffee to your cart."
        ),
        keywords=("grind", "ground", "whole bean", "espresso", "aeropress"),
        category="Products",
    ),
    DemoKnowledgeEntry(
        question="Do you give discounts on bulk orders?",
        answer=(
            "Yes - orders of 2 kg or more get 10% off, and 5 kg or more get 20% off. The discount is "
            "applied automatically at checkout."
        ),
        keywords=("bulk", "discount", "large order", "kilo"),
        category="Orders",
    ),
    DemoKnowledgeEntry(
        question="Do you ship internationally?",
        answer=(
            "We ship to Canada, the UK and most of the EU. International delivery takes 5-10 business "
            "days and costs from $18; any import duties are paid by the recipient."
        ),
        keywords=("international", "abroad", "overseas", "worldwide", "customs"),
        category="Shipping",
    ),
    DemoKnowledgeEntry(
        question="How do I cancel my subscription?",
        answer=(
            "Go to 'My subscriptions' in your account and choose Cancel - it takes effect before your next "
            "shipment, with no fees. Prefer a break? You can pause for up to 3 months instead."
        ),
        keywords=("cancel", "cancellation", "stop subscription", "unsubscribe"),
        category="Subscriptions",
    ),
    DemoKnowledgeEntry(
        question="My order arrived damaged. What should I do?",
        answer=(
            "We're sorry! Send a photo of the damaged parcel and your order number to "
            "hello@democoffee.example within 14 days and we'll send a replacement straight away, free."
        ),
        keywords=("damaged", "broken", "leaking", "crushed", "replacement"),
        category="Orders",
    ),
    DemoKnowledgeEntry(
        question="How much caffeine is in a cup of your coffee?",
        answer=(
            "A typical 250 ml cup of our filter coffee has about 95 mg of caffeine, and a double espresso "
            "around 125 mg. Our Night Owl decaf has less than 5 mg per cup."
        ),
        keywords=("caffeine", "mg", "strength", "strong"),
        category="Products",
    ),
)

DEMO_TEMPLATES: tuple[DemoTemplate, ...] = (
    # Triggers are deliberately greeting-only words: something like "hours" would hijack real questions.
    DemoTemplate(
        name="greeting",
        trigger_keywords=("hi", "hello", "hey", "good morning", "good afternoon"),
        body=(
            "Hi {first_name}! I'm {bot_name}, the assistant at {tenant_name}. Ask me about our coffees, "
            "orders, shipping or subscriptions - or type !help to see what I can do."
        ),
    ),
    DemoTemplate(
        name="thanks",
        trigger_keywords=("thanks", "thank you", "cheers"),
        body="You're very welcome, {first_name}! Anything else I can help with?",
    ),
    DemoTemplate(
        name="goodbye",
        trigger_keywords=("bye", "goodbye"),
        body="Bye for now, {first_name} - enjoy your next cup!",
    ),
    DemoTemplate(
        name="human request",
        trigger_keywords=("agent", "human", "real person"),
        body=(
            "Of course, {first_name}. I'm passing you to a member of the {tenant_name} team - someone "
            "will reply here during opening times, Monday to Saturday."
        ),
    ),
)

DEMO_COMMANDS: tuple[DemoCommand, ...] = (
    DemoCommand(
        command="!help",
        response=(
            "Here's what I can do:\n"
            "!price - our current coffee prices\n"
            "!hours - when the café is open\n"
            "!help - this list\n"
            "Or just ask a question, like 'how long does shipping take?'"
        ),
    ),
    DemoCommand(
        command="!price",
        response=(
            "Our prices (12 oz bag):\n"
            "House Blend - $14\n"
            "Ethiopia Yirgacheffe - $18\n"
            "Night Owl Decaf - $16\n"
            "Espresso Roast - $15\n"
            "Subscribers save 15%, and shipping is free over $40."
        ),
    ),
    DemoCommand(
        command="!hours",
        response=(
            "We're open Monday to Saturday, 9am to 6pm, and closed on Sundays. The online shop never closes."
        ),
    ),
)
