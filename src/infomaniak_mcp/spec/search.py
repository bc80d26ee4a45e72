"""Rank documented operations for an intent: BM25 over summary, description, path words, tags, ids.

No model and no dependency: words are lower-cased, camelCase and snake_case split, lightly
stemmed (`mailboxes` → `mailbox`, `created`/`create` → `creat`), and each document also carries
the words people use for its HTTP method (`DELETE` → delete, remove…). Query words get a few
synonyms (`email` → mail, mailbox; `website` → site, hosting…) at a lower weight. Fields are
weighted by repeating them (summary ×3, path and tags ×2). The index is built on first search.

Generic verbs (`list`, `get`, `create`… — `GENERIC_WORDS`) only pick the method and weigh little:
a hit must match at least one content word, and scores by the share of content words it matches
(`SearchHit.coverage`; `weak()` when the best hit misses some). Words naming a product (`mailbox`,
`kdrive`…) rank other products lower. `known_gaps()` names what the public spec lacks (VPS,
certificates, invoices, domain orders, web hosting) for answers that find nothing strong.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from infomaniak_mcp.spec.model import ApiSpec, Operation

K1 = 1.2
B = 0.75
SYNONYM_WEIGHT = 0.4
_WORD_RE = re.compile(r"[a-z0-9]+")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_STOP_TEXT = (
    "a an the of for to in on by with and or is are be this that these those given all api v1 v2 v3 v4 "
    "it its from at as your my me i you we can do does which what how am"
)
STOPWORDS = frozenset(_STOP_TEXT.split())
METHOD_WORDS = {
    "GET": "get list show read fetch view retrieve find",
    "POST": "create add new send make order start run",
    "PUT": "put update set replace edit change modify",
    "PATCH": "patch update edit change modify",
    "DELETE": "delete remove destroy drop cancel",
}
SYNONYMS = {
    "email": "mail mailbox", "mail": "mailbox email", "inbox": "mailbox", "mailbox": "mail",
    "website": "site web hosting", "site": "web hosting", "hosting": "web site",
    "dns": "zone record", "zone": "dns", "record": "dns",
    "user": "member", "member": "user", "people": "user",
    "forward": "redirection forwarding", "redirect": "redirection forward",
    "drive": "kdrive file", "kdrive": "drive", "file": "drive",
    "chat": "kchat channel", "kchat": "channel team", "message": "post",
    "kubernetes": "kaas cluster", "k8s": "kaas", "database": "dbaas", "db": "database dbaas",
    "backup": "swiss backup", "cloud": "public", "vm": "instance cloud", "server": "cloud",
    "expire": "expir renew", "renew": "expir", "invoice": "invoic billing", "newsletter": "campaign mailing",
    "subscriber": "contact", "meeting": "kmeet room", "shorten": "url shortener", "link": "url",
    "who": "profile", "cluster": "kaas kubernetes", "whoami": "profile", "profile": "user",
    "expiration": "expir", "expiry": "expir",
    "certificate": "ssl", "ssl": "certificate", "tls": "ssl certificate", "trash": "delete",
}
GENERIC_WORDS = frozenset(
    {w for words in METHOD_WORDS.values() for w in words.split()}
    | {"invite", "all", "some", "one", "please", "want", "need", "way", "new"}
)
"""Verbs and filler that say what to do, not to what: they rank (a little) but never make a hit alone."""
GENERIC_WEIGHT = 0.5
PRODUCT_WORDS = {
    "mailbox": "mail", "mail": "mail", "email": "mail", "inbox": "mail", "alias": "mail",
    "kdrive": "kdrive", "drive": "kdrive", "domain": "domain", "dns": "domain", "zone": "domain",
    "kchat": "kchat", "chat": "kchat", "channel": "kchat", "newsletter": "newsletter",
    "backup": "swiss_backup", "kubernetes": "public_cloud", "kaas": "public_cloud", "openstack": "public_cloud",
    "meet": "kmeet", "meeting": "kmeet", "kmeet": "kmeet", "shortener": "url_shortener", "shorten": "url_shortener",
}
"""Query words that name a product: operations of other products rank lower (unless their path or
summary says the word: `/1/accounts/{account}/invitations/{invitation}/drive` is about a drive)."""
PHRASES = {"who am i": "my profile", "whoami": "profile", "about me": "my profile"}
"""Whole phrases read as other words before searching."""
GAPS = (
    (frozenset({"vps", "jelastic"}), "VPS / Cloud servers are not in the public API (the Manager handles them); "
     "Public Cloud (OpenStack) projects are: product public_cloud."),
    (frozenset({"certificate", "certificates", "ssl", "tls", "letsencrypt", "https"}),
     "SSL certificates of web hostings are not in the bundled spec: the hosting tools manage them "
     "(hosting_set_certificate)."),
    (frozenset({"invoice", "invoices", "billing", "bill", "bills", "payment", "payments"}),
     "Invoices and billing are not in the public API."),
    (frozenset({"renew", "renewal", "transfer", "register", "registration", "order", "buy", "expiration", "expiry",
                "expire", "expires"}),
     "Domain orders, renewals and transfers are not in the bundled spec; expiry dates: domain_list_domains "
     "(or GET /1/products, field expired_at)."),
    (frozenset({"hosting", "hostings", "site", "sites", "website", "ftp", "ssh", "php", "nodejs", "node", "cron"}),
     "Web hosting (sites, databases, FTP/SSH users, Node.js) is not in the bundled spec: the hosting tools "
     "cover it (their writes go through the Manager session)."),
)
"""What the public spec lacks (facts file), named when a search for it finds nothing strong."""
CURATED_GAPS = frozenset({"certificate", "hosting"})
"""Gaps triggered by these words are filled by curated tools (certificates, web hosting): not gaps for
`tools_search`."""
OTHER_PRODUCT_FACTOR = 0.35
COVERAGE_FLOOR = 0.4
"""A hit matching a share c of the query's content words scores × (floor + (1 - floor) × c)."""
INTENT_METHODS = {
    "list": ("GET",), "get": ("GET",), "show": ("GET",), "read": ("GET",), "view": ("GET",), "find": ("GET",),
    "create": ("POST",), "add": ("POST",), "new": ("POST",), "invite": ("POST",),
    "update": ("PUT", "PATCH"), "change": ("PUT", "PATCH"), "modify": ("PUT", "PATCH"), "edit": ("PUT", "PATCH"),
    "set": ("PUT", "PATCH", "POST"), "rename": ("PUT", "PATCH"),
    "delete": ("DELETE",), "remove": ("DELETE",), "post": ("POST",), "send": ("POST",),
}
INTENT_BOOST = 1.4
LIST_BOOST = 1.15
PATH_COVERAGE_BOOST = 0.8
PRODUCT_ALIASES = {
    "dns": "domain", "zones": "domain", "domains": "domain", "drive": "kdrive", "chat": "kchat",
    "ai_tools": "ai", "aitools": "ai", "url_shortner": "url_shortener", "shortener": "url_shortener",
    "backup": "swiss_backup", "cloud": "public_cloud", "meet": "kmeet", "account": "core", "accounts": "core",
    "core_ressource": "core", "domain_zones": "domain",
}


def stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    split = _CAMEL_RE.sub(" ", text)
    return [stem(w) for w in _WORD_RE.findall(split.lower()) if w not in STOPWORDS and not w.isdigit()]


def _document(op: Operation) -> list[str]:
    path_words = " ".join(seg for seg in op.path.split("/") if seg and not seg.startswith("{"))
    fields = [
        (op.summary, 3),
        (op.description, 1),
        (path_words.replace("_", " ").replace("-", " "), 2),
        (" ".join(op.tags).replace(">", " "), 2),
        (op.operation_id.replace("/", " ").replace("&", " "), 1),
        (op.product.replace("_", " "), 1),
        (METHOD_WORDS.get(op.method, ""), 1),
    ]
    words: list[str] = []
    for text, weight in fields:
        words.extend(tokens(text) * weight)
    return words


@dataclass(frozen=True)
class SearchHit:
    operation: Operation
    score: float
    coverage: float = 1.0
    """Share of the query's content words (not generic verbs) the operation matches."""


def read_phrases(query: str) -> str:
    text = " " + " ".join(query.lower().split()) + " "
    for phrase, meaning in PHRASES.items():
        text = text.replace(f" {phrase} ", f" {meaning} ")
    return text.strip()


def words_of(text: str) -> list[str]:
    """The lower-cased words of `text`, as written (no stemming, nothing left out)."""
    return _WORD_RE.findall(text.lower())


def content_words(query: str) -> list[str]:
    """The query's words that name things (not stop words, generic verbs or numbers)."""
    words = _WORD_RE.findall(_CAMEL_RE.sub(" ", read_phrases(query)).lower())
    return [w for w in words if w not in STOPWORDS and w not in GENERIC_WORDS and not w.isdigit()]


def known_gaps(query: str, *, uncurated: bool = False) -> list[str]:
    """Notes on what the public spec lacks that this query asks about (`uncurated`: only what no
    curated tool does either)."""
    words = set(_WORD_RE.findall(query.lower()))
    return [note for triggers, note in GAPS if words & triggers and not (uncurated and triggers & CURATED_GAPS)]


def weak(hits: list[SearchHit]) -> bool:
    """No hit, or the best one misses some of the query's content words."""
    return not hits or hits[0].coverage < 1.0


class Bm25:
    """BM25 over pre-tokenised documents (`tokens()`), scored against weighted query terms."""

    def __init__(self, documents: list[list[str]]) -> None:
        self.docs = [Counter(words) for words in documents]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = sum(self.lengths) / max(1, len(self.lengths))
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        total = len(self.docs)
        self.idf = {w: math.log(1 + (total - n + 0.5) / (n + 0.5)) for w, n in frequency.items()}

    def score(self, index: int, terms: dict[str, float]) -> float:
        doc, length = self.docs[index], self.lengths[index]
        total = 0.0
        for term, weight in terms.items():
            count = doc.get(term, 0)
            if count:
                norm = count * (K1 + 1) / (count + K1 * (1 - B + B * length / self.average))
                total += weight * self.idf.get(term, 0.0) * norm
        return total


def query_terms(text: str) -> dict[str, float]:
    """Stemmed query words (weight 1) plus their synonyms (weight `SYNONYM_WEIGHT`)."""
    terms: dict[str, float] = {}
    for word in _WORD_RE.findall(_CAMEL_RE.sub(" ", text).lower()):
        if word in STOPWORDS:
            continue
        terms[stem(word)] = 1.0
        for extra in SYNONYMS.get(word, "").split():
            for term in tokens(extra):
                terms.setdefault(term, SYNONYM_WEIGHT)
    return terms


class SearchIndex(Bm25):
    def __init__(self, spec: ApiSpec) -> None:
        super().__init__([_document(op) for op in spec])
        self.spec = spec
        self.path_words = [
            frozenset(tokens(" ".join(s for s in op.path.split("/") if s and "{" not in s).replace("_", " ")))
            for op in spec
        ]
        self.summary_words = [frozenset(tokens(op.summary)) for op in spec]

    def query_terms(self, text: str) -> dict[str, float]:
        return query_terms(text)


@functools.cache
def index_for(spec: ApiSpec) -> SearchIndex:
    return SearchIndex(spec)


def product_name(value: str) -> str:
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    return PRODUCT_ALIASES.get(key, key)


def search_operations(
    spec: ApiSpec,
    query: str = "",
    *,
    product: str | None = None,
    method: str | None = None,
    path_contains: str | None = None,
    limit: int = 10,
) -> list[SearchHit]:
    """Operations matching the filters, best first (by path when there is no query text)."""
    index = index_for(spec)
    wanted_product = product_name(product) if product else None
    wanted_method = method.upper() if method else None
    fragment = path_contains.strip().lower() if path_contains else None
    content = content_words(query)
    query = read_phrases(query)
    words = [w for w in _WORD_RE.findall(_CAMEL_RE.sub(" ", query).lower()) if w not in STOPWORDS]
    terms = index.query_terms(query) if words else {}
    if content:
        generic_stems = {stem(w) for w in words if w in GENERIC_WORDS} - {stem(w) for w in content}
        terms = {t: (GENERIC_WEIGHT if t in generic_stems else weight) for t, weight in terms.items()}
    # Each content word with the stems that count as matching it (itself and its synonyms).
    alternatives = [{stem(w), *(t for extra in SYNONYMS.get(w, "").split() for t in tokens(extra))} for w in content]
    named_products = {PRODUCT_WORDS[w] for w in words if w in PRODUCT_WORDS}
    product_stems = {stem(w) for w in words if w in PRODUCT_WORDS}
    intended = {m for w in words for m in INTENT_METHODS.get(w, ())}
    primary = {t for t, weight in terms.items() if weight >= 1.0}
    hits: list[SearchHit] = []
    for i, op in enumerate(spec):
        if wanted_product and op.product != wanted_product:
            continue
        if wanted_method and op.method != wanted_method:
            continue
        if fragment and fragment not in op.path.lower():
            continue
        coverage = 1.0
        if terms:
            doc = index.docs[i]
            if alternatives:
                matched = sum(1 for alts in alternatives if any(doc.get(t) for t in alts))
                if not matched:
                    continue
                coverage = matched / len(alternatives)
            score = index.score(i, terms) * (0.8 if op.deprecated else 1.0)
            score *= COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage
            if named_products and op.product not in named_products and not (
                product_stems & (index.path_words[i] | index.summary_words[i])
            ):
                score *= OTHER_PRODUCT_FACTOR
            if op.method in intended:
                score *= INTENT_BOOST
            if "list" in words and op.method == "GET" and not op.path.endswith("}"):
                score *= LIST_BOOST
            path_words = index.path_words[i]
            if path_words:
                score *= 1 + PATH_COVERAGE_BOOST * len(path_words & primary) / len(path_words)
            if score <= 0:
                continue
        else:
            score = 0.0
        hits.append(SearchHit(op, round(score, 3), round(coverage, 3)))
    if terms:
        hits.sort(key=lambda h: (-h.score, h.operation.path, h.operation.method))
    return hits[:limit]


def known_products(spec: ApiSpec) -> Iterable[str]:
    return sorted({op.product for op in spec})
