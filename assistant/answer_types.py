"""Answer types: what kind of fact a question asks for, by its form, and whether a sentence
states a fact of that kind.

``ASKS``/``STATES`` are soft signals for the answer model; ``TYPED`` is the answer-type gate's
table (percent, count, measure, cost, dose, duration, age, person, place): a question that asks
for one of these is only answered by a sentence that states one. A treatment question ("how is it
treated", "what helps") is answered by a sentence that names a way of treating (given,
prescribed, a therapy, a drug class or suffix), not by one that only says "the treatments". Nothing
here names a word of a particular question: the patterns are question forms, units and the
general ways medical text states what was done.
"""

from __future__ import annotations

import re

CITE_RE = re.compile(r"\((?:\d+(?:\s*[,–-]\s*\d+)*|(?:Figure|Fig\.|Table)[^)]*)\)")

# What a question asks for (by its form) and what a sentence must state to give it.
ASKS = {
    "number": re.compile(
        r"\b(how (much|many|often|common|rare|likely)|what (proportion|percentage|fraction|share|"
        r"rate)|percent\w*|proportion|number of|incidence|prevalence|chance)\b",
        re.IGNORECASE,
    ),
    "person": re.compile(r"\b(who|whom|whose|(what|which) (doctor|specialist|person|name))\b", re.IGNORECASE),
    "gene": re.compile(r"\b(which|what) genes?\b|\bgenes? (is|are)\b", re.IGNORECASE),
    "place": re.compile(
        r"\b(where|which (part|area|region|side|structure|organ)s?|what (part|area|region)s?)\b", re.IGNORECASE
    ),
    "time": re.compile(
        r"\b(when|how old|what age|at what age|how long|how soon|what year|which year|how many "
        r"(days|weeks|months|years|hours))\b",
        re.IGNORECASE,
    ),
    "dose": re.compile(r"\b(dose|doses|dosage)\b", re.IGNORECASE),
    "treatment": re.compile(
        r"\b(treat(ed|ment|ments|ing)?|therap(y|ies)|manag(e|ed|ement)|cure[sd]?|medicines?|medications?|"
        r"drugs?|help(ed|s)?)\b",
        re.IGNORECASE,
    ),
}
STATES = {
    "number": re.compile(
        r"\d|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|half|twice|most|many|few|"
        r"several|rare|rarely|common|commonly|often|percent|majority|minority)\b",
        re.IGNORECASE,
    ),
    "person": re.compile(
        r"\b(Dr|Prof|Mr|Mrs|Ms)\b\.?|\b[A-Z][a-z]+ [A-Z]\.? ?[A-Z][a-z]+\b|\b(doctor|neurologist|"
        r"specialist|physician|paediatrician|pediatrician|therapist|counsel+or|geneticist|surgeon|"
        r"team|parents?|mother|father|family)\b"
    ),
    "gene": re.compile(r"\b[A-Z][A-Z0-9]{2,}\b|\bgenes?\b"),
    "place": re.compile(
        r"\b(in|at|into|behind|within|inside|of) the [a-z]+|\b(brain|cerebell\w+|vermis|hemispheres?|"
        r"brainstem|pons|cortex|lobes?|nerves?|spine|spinal|eyes?|abdomen|adrenal|chest|neck|"
        r"hospital|clinic|country|region|side|area|part)\b",
        re.IGNORECASE,
    ),
    "time": re.compile(
        r"\b\d+\s*-?\s*(year|month|week|day|hour|minute)s?\b|\b(age[sd]?|old|birth|born|infan\w+|"
        r"childhood|before|after|during|later|until|since|years?|months?|weeks?|days?|\d{4})\b",
        re.IGNORECASE,
    ),
    "dose": re.compile(r"\d\s*(mg|g|mcg|µg|ml|iu|units?)\b|/kg\b", re.IGNORECASE),
    # what was given or done: a way of treating named, not the word "treatment" alone
    "treatment": re.compile(
        r"\b(treated with|received|given|administered|prescribed|underwent|started on|\w*therap(y|ies)|"
        r"\w*steroids?|immunoglobulins?|plasmapheresis|chemotherapy|resection|resected|surgery|surgical|"
        r"shunt|antiepileptic|anticonvulsants?|\w+(mab|olone|sone|cillin|mycin|vir|azepam|amide))\b",
        re.IGNORECASE,
    ),
}


NUM = r"(?<![A-Za-z\d])\d"  # a number, not the digit of a symbol ("CACNA1A", "T2")
_COUNT = (
    NUM + r"|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundreds?|"
    r"thousands?|millions?|dozens?|both|single|twice|once|several|few|couple)\b"
)
WH = r"(^|[,;:]\s*|\b(and|but|so|then)\s+)((to|by|with|from|for|in|at) )?"
TYPED = {
    "percent": (
        r"\b(percent\w*|what (proportion|fraction|share)|(what|which) (are|is|were|was) the (chances?|odds))\b",
        NUM
        + r"\d*\s*%|\bpercent|\d+\s*(of|in|out of)\s*\d+|\b(half|third|quarter|majority|minority|most|all|none)\b|"
        + _COUNT,
    ),
    "count": (r"\bhow many\b|\bnumber of\b|\bcount\b", _COUNT),
    "measure": (
        r"\b(weigh(s|ed|ing|t)?|height|length|size|diameter|circumference|temperature|centimet\w*|millimet\w*|"
        r"kilogram\w*|grams?|cm|mm|kg|count|how (big|large|tall|heavy|small|wide|deep))\b",
        NUM,
    ),
    "cost": (
        r"\b(cost\w*|price\w*|expensive|afford\w*)\b|\bhow much\b.*\b(pay|charge)\b",
        r"[$£€¥]|\b(costs?|price\w*|pay\w*|paid|charg\w*|insur\w*|fund\w*|expens\w*|afford\w*|dollars?|euros?)\b",
    ),
    "dose": (
        r"\b(dose[sd]?|dosage|dosing)\b|\bhow much\b.*\b(give|given|take|taken)\b",
        r"\d\s*(mg|g|mcg|µg|ug|ml|iu|units?|mmol)\b|/kg\b|/m2\b|/m²",
    ),
    "duration": (
        r"\b(how long|for how many|duration|how soon)\b|\bhow many (seconds|minutes|hours|days|nights|weeks|"
        r"months|years)\b",
        r"\b(seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|lifelong|life-long|"
        r"lifetime|permanent\w*|overnight)\b|\d\s*(h|d|wk|mo|yr)s?\b",
    ),
    "age": (
        r"\b(how old|(what|which) (age|year|date)|at what age|age at)\b",
        NUM + r"|\b(age[ds]?|old|years?|months?|weeks?|days?|infan\w*|newborn|neonat\w*|birth|born|child\w*|"
        r"adolescen\w*|teen\w*|adult\w*|toddlers?|bab(y|ies)|school)\b",
    ),
    "person": (
        WH + r"who(m|se)?\b",
        r"\b(Dr|Prof|Mr|Mrs|Ms)\b\.?|\b[A-Z][a-z]+ [A-Z]\.? ?[A-Z][a-z]+\b|(?i:\b(doctors?|neurologists?|"
        r"specialists?|physicians?|paediatricians?|pediatricians?|therapists?|counsel+ors?|geneticists?|"
        r"surgeons?|nurses?|teams?|parents?|mothers?|fathers?|family|families|child(ren)?|patients?|people|"
        r"infants?|girls?|boys?|adults?|bab(y|ies)|toddlers?|women|men|siblings?|authors?|researchers?)\b)",
    ),
    "place": (
        WH + r"where\b|\b(which|what) (country|countries|city|cities|hospital|clinic|centre|center|place|"
        r"region|part|area|organ|side)s?\b",
        r"\b(in|at|into|behind|within|inside|near|below|above|under|beneath|on|from|to) (the|a|an|his|her|"
        r"their|its) [a-z]+|(?i:\b(brain|cerebell\w+|vermis|hemispheres?|brainstem|pons|cortex|lobes?|nerves?|"
        r"spine|spinal|eyes?|abdomen|adrenal|chest|neck|hospital|clinic|country|region|side|area|part)\b)",
    ),
}
TYPED_ASKS = {t: re.compile(q, re.IGNORECASE) for t, (q, _) in TYPED.items()}
TYPED_STATES = {t: re.compile(s, 0 if t == "person" else re.IGNORECASE) for t, (_, s) in TYPED.items()}
GATE = 0.05  # an ineligible candidate's probability is scaled by this


def typed_asks(question: str) -> tuple[str, ...]:
    """The typed facts the question asks for (percent, count, measure, cost, dose, duration, age,
    person, place); () for an untyped question."""
    return tuple(t for t, p in TYPED_ASKS.items() if p.search(question))


def asked_types(question: str) -> dict[str, bool]:
    return {t: bool(p.search(question)) for t, p in ASKS.items()}
