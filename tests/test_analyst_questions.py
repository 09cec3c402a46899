"""Questions an analyst would put to the graph of seeds/rd-syria-iran.txt, with the answers the
article supports.

Each question is a SPARQL query over the assembled dataset (every named graph, as
:func:`stancegraph.graph.assemble` builds it), written against the ontology's patterns
(ontology/README.md), never against claim or stance numbers the encoders chose: claims are found
by claimant, property, vocabulary concept, or the words they are anchored to. Only the IRIs the
data plan reserves are used (event:1 Putin's announcement, event:2 the withdrawal, claim:1 "Assad's
fate is exactly what Moscow and Tehran don't agree on").

Answers are exact sets of rows. IRIs are shown without ``https://w3id.org/stancegraph/id/`` or
``https://w3id.org/stancegraph/vocab/`` (``person/vladimir-putin``, ``hedge/reportedly``); dates
as ISO strings; numbers as ints. Where a state may be named through its government ("Tehran"),
the query maps the actor to the state (``sg:governmentOf?``), so either encoding answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef

from conftest import ROOT
from stancegraph import corpus, graph
from stancegraph.sources import find_project

ID = "https://w3id.org/stancegraph/id/"
VOCAB = "https://w3id.org/stancegraph/vocab/"
SG = "https://w3id.org/stancegraph/ontology#"

PREFIXES = """
PREFIX sg:      <https://w3id.org/stancegraph/ontology#>
PREFIX oa:      <http://www.w3.org/ns/oa#>
PREFIX prov:    <http://www.w3.org/ns/prov#>
PREFIX org:     <http://www.w3.org/ns/org#>
PREFIX time:    <http://www.w3.org/2006/time#>
PREFIX schema:  <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd:     <http://www.w3.org/2001/XMLSchema#>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
PREFIX marl:    <http://www.gsi.upm.es/ontologies/marl/ns#>
PREFIX person:       <https://w3id.org/stancegraph/id/person/>
PREFIX state:        <https://w3id.org/stancegraph/id/state/>
PREFIX government:   <https://w3id.org/stancegraph/id/government/>
PREFIX organization: <https://w3id.org/stancegraph/id/organization/>
PREFIX armedforce:   <https://w3id.org/stancegraph/id/armed-force/>
PREFIX armedgroup:   <https://w3id.org/stancegraph/id/armed-group/>
PREFIX group:        <https://w3id.org/stancegraph/id/group/>
PREFIX media:        <https://w3id.org/stancegraph/id/media/>
PREFIX place:        <https://w3id.org/stancegraph/id/place/>
PREFIX issue:        <https://w3id.org/stancegraph/id/issue/>
PREFIX doc:          <https://w3id.org/stancegraph/id/document/>
PREFIX claim:        <https://w3id.org/stancegraph/id/claim/rd-syria-iran/>
PREFIX event:        <https://w3id.org/stancegraph/id/event/rd-syria-iran/>
PREFIX hedge:  <https://w3id.org/stancegraph/vocab/hedge/>
PREFIX mode:   <https://w3id.org/stancegraph/vocab/reporting-mode/>
PREFIX kind:   <https://w3id.org/stancegraph/vocab/claim-kind/>
PREFIX pol:    <https://w3id.org/stancegraph/vocab/polarity/>
PREFIX expr:   <https://w3id.org/stancegraph/vocab/expression/>
PREFIX prole:  <https://w3id.org/stancegraph/vocab/participant-role/>
PREFIX qual:   <https://w3id.org/stancegraph/vocab/quantity-qualifier/>
PREFIX cert:   <https://w3id.org/stancegraph/vocab/certainty/>
PREFIX etype:  <https://w3id.org/stancegraph/vocab/event-type/>
PREFIX post:   <https://w3id.org/stancegraph/id/post/>
PREFIX rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl:    <http://www.w3.org/2002/07/owl#>
"""

#: Words an anchor holds.
WORDS = "sg:anchor/oa:hasSelector/oa:exact"
#: Who takes part in an event (plain or qualified association).
PARTICIPANT = "(prov:wasAssociatedWith|prov:qualifiedAssociation/prov:agent)"


def relation(subject: str, prop: str, obj: str) -> str:
    """A relation stated either as the plain triple or as an sg:Relation node."""
    return (
        f"{{ {subject} {prop} {obj} }} UNION "
        f"{{ [] sg:relationSubject {subject} ; sg:relationProperty {prop} ; "
        f"sg:relationObject {obj} }}"
    )


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    sparql: str
    expected: set[tuple]


QUESTIONS = [
    Question(
        "announcement-who-when",
        "Who announced the withdrawal, on what day, and is the year inferred?",
        """SELECT ?who ?date ?inferred WHERE {
            event:1 prov:qualifiedAssociation ?a ; time:hasTime ?t .
            ?a prov:agent ?who ; prov:hadRole prole:announcer .
            ?t time:inXSDDate ?date .
            BIND(EXISTS { ?t sg:inferred true } AS ?inferred)
        }""",
        {("person/vladimir-putin", "2016-03-14", True)},
    ),
    Question(
        "controls-irgc",
        "Who controls the IRGC?",
        f"""SELECT DISTINCT ?x WHERE {{
            {{ {relation("?x", "sg:controls", "armedforce:irgc")} }}
            UNION {{ {relation("armedforce:irgc", "sg:controlledBy", "?x")} }}
        }}""",
        {("person/ali-khamenei",)},
    ),
    Question(
        "controls-irgc-own-voice",
        "Does the article state Khamenei's control of the IRGC in its own voice?",
        """SELECT DISTINCT ?own WHERE {
            ?r sg:relationProperty ?p ; sg:statedInOwnVoice ?own ;
               sg:relationSubject|sg:relationObject armedforce:irgc ;
               sg:relationSubject|sg:relationObject person:ali-khamenei .
            FILTER(?p IN (sg:controls, sg:controlledBy))
        }""",
        {(True,)},
    ),
    Question(
        "backs-hezbollah",
        "Who backs Hezbollah?",
        f"""SELECT DISTINCT ?state WHERE {{
            {relation("?x", "sg:backs", "armedgroup:hezbollah")}
            ?x sg:governmentOf? ?state . ?state a sg:State .
        }}""",
        {("state/iran",)},
    ),
    Question(
        "hedges",
        "Which claims are hedged with 'reportedly', 'may', 'could' and 'largely seen as'?",
        """SELECT DISTINCT ?phrase ?hedge WHERE {
            VALUES (?phrase ?hedge) {
                ("sustained a significant loss of life" hedge:reportedly)
                ("be welcomed by the IRGC" hedge:modal-may)
                ("be forced to redeploy" hedge:modal-may)
                ("put a strain on Russia-Iran coordination" hedge:modal-could)
                ("have been coordinated with Damascus and Tehran" hedge:modal-could)
                ("a measure intended to give momentum" hedge:perception)
            }
            ?c sg:hedge ?hedge ; (sg:anchor|sg:hedgeAnchor)/oa:hasSelector/oa:exact ?e .
            FILTER(CONTAINS(?e, ?phrase))
        }""",
        {
            ("sustained a significant loss of life", "hedge/reportedly"),
            ("be welcomed by the IRGC", "hedge/modal-may"),
            ("be forced to redeploy", "hedge/modal-may"),
            ("put a strain on Russia-Iran coordination", "hedge/modal-could"),
            ("have been coordinated with Damascus and Tehran", "hedge/modal-could"),
            ("a measure intended to give momentum", "hedge/perception"),
        },
    ),
    Question(
        "unnamed-sources",
        "Which claims rest on unnamed sources or estimates?",
        """SELECT DISTINCT ?what ?mode WHERE {
            { SELECT ?c ?mode (GROUP_CONCAT(?e; separator=" | ") AS ?all) WHERE {
                ?c sg:reportingMode ?mode .
                FILTER(?mode IN (mode:unnamed-source, mode:unnamed-estimate))
                OPTIONAL { ?c sg:anchor/oa:hasSelector/oa:exact ?e }
              } GROUP BY ?c ?mode }
            BIND(IF(CONTAINS(?all, "loss of life") || CONTAINS(?all, "160 fatalities"),
                    "IRGC losses",
                    IF(CONTAINS(?all, "fighter jets"), "jet numbers", ?all)) AS ?what)
        }""",
        {
            ("IRGC losses", "reporting-mode/unnamed-source"),
            ("jet numbers", "reporting-mode/unnamed-estimate"),
        },
    ),
    Question(
        "israeli-media-claim",
        "Which claim reaches us through the Israeli media, whose is it, and how is it reported?",
        """SELECT DISTINCT ?claimant ?mode ?aboutIrgc WHERE {
            ?c sg:intermediary group:israeli-media ; sg:claimant ?claimant ;
               sg:reportingMode ?mode .
            BIND(EXISTS { ?c (sg:about|sg:asserts/"""
        + PARTICIPANT
        + """) armedforce:irgc }
                 AS ?aboutIrgc)
        }""",
        {("group/israeli-media", "reporting-mode/named-intermediary", True)},
    ),
    Question(
        "denial",
        "Which statement denies which, and of what kind is the denial?",
        """SELECT DISTINCT ?denier ?denied ?kind WHERE {
            ?d sg:denies ?c ; sg:claimant ?denier ; sg:claimKind ?kind .
            ?c sg:claimant ?denied .
        }""",
        {("group/russian-officials", "person/ali-akbar-velayati", "claim-kind/denial")},
    ),
    Question(
        "contradicts-velayati",
        "Who contradicts Velayati's announcement of an alliance?",
        """SELECT DISTINCT ?who WHERE {
            ?v sg:claimant person:ali-akbar-velayati ; sg:claimKind kind:announcement .
            ?c sg:contradicts|sg:denies|^sg:contradicts|^sg:denies ?v .
            ?c sg:claimant ?who .
        }""",
        {("group/russian-officials",)},
    ),
    Question(
        "alliance-parties",
        "Between whom did Velayati announce an alliance?",
        f"""SELECT DISTINCT ?party WHERE {{
            ?c sg:claimant person:ali-akbar-velayati ; sg:claimKind kind:announcement .
            ?c (sg:asserts|sg:about)/({PARTICIPANT}|sg:relationSubject|sg:relationObject)? ?a .
            ?a sg:governmentOf? ?party .
            FILTER(?party = armedgroup:hezbollah || EXISTS {{ ?party a sg:State }})
        }}""",
        {("armed-group/hezbollah",), ("state/iran",), ("state/russia",), ("state/syria",)},
    ),
    Question(
        "jets-change",
        "By how much will the number of Russian jets in Syria go down?",
        """SELECT ?fromV ?fromQ ?toV ?toQ WHERE {
            ?ch a sg:QuantityChange ; sg:fromQuantity ?f ; sg:toQuantity ?t .
            ?f schema:value ?fromV ; sg:qualifier ?fromQ .
            ?t schema:value ?toV ; sg:qualifier ?toQ .
        }""",
        {(60, "quantity-qualifier/more-than", 20, "quantity-qualifier/around")},
    ),
    Question(
        "jets-estimate",
        "On what authority does the article give the jet numbers?",
        """SELECT DISTINCT ?mode ?kind WHERE {
            ?ch a sg:QuantityChange .
            ?c a sg:Claim ; sg:asserts|sg:about|sg:quantity ?ch ;
               sg:reportingMode ?mode ; sg:claimKind ?kind .
        }""",
        {("reporting-mode/unnamed-estimate", "claim-kind/estimate")},
    ),
    Question(
        "irgc-casualties",
        "What losses has the IRGC reportedly sustained?",
        f"""SELECT DISTINCT ?v ?qual WHERE {{
            ?q a sg:Quantity ; schema:value ?v .
            OPTIONAL {{ ?q sg:qualifier ?q0 }}
            BIND(COALESCE(?q0, qual:unqualified) AS ?qual)
            ?x sg:quantity|sg:asserts|sg:asserts/sg:quantity ?q .
            ?x {PARTICIPANT}|sg:about|sg:relationSubject armedforce:irgc .
        }}""",
        # "with 160 fatalities": a bare number, not "exactly" (the text does not say so).
        {(160, "quantity-qualifier/unqualified"), (300, "quantity-qualifier/more-than")},
    ),
    Question(
        "transition-period",
        "How long a transitional period have Russia and the U.S. given?",
        """SELECT DISTINCT ?v WHERE {
            { ?q schema:value ?v ; schema:unitText ?u . FILTER(CONTAINS(LCASE(STR(?u)), "month")) }
            UNION { ?q time:numericDuration ?v ; time:unitType time:unitMonth }
        }""",
        {(18,)},
    ),
    Question(
        "transition-period-who",
        "Who gave the 18-month timeframe, and is it marked tentative?",
        """SELECT DISTINCT ?state ?tentative WHERE {
            ?c a sg:Claim ; sg:claimant ?a ; sg:anchor/oa:hasSelector/oa:exact ?e .
            FILTER(CONTAINS(?e, "18 months"))
            ?a sg:governmentOf? ?state . ?state a sg:State .
            BIND(EXISTS { ?c sg:hedge hedge:tentative } AS ?tentative)
        }""",
        {("state/russia", True), ("state/united-states", True)},
    ),
    Question(
        "posts",
        "Who holds which post?",
        """SELECT DISTINCT ?person ?post WHERE {
            { ?person org:holds ?post } UNION { ?m org:member ?person ; sg:post ?post }
            FILTER(STRSTARTS(STR(?post), "https://w3id.org/stancegraph/id/post/"))
        }""",
        {
            ("person/javad-zarif", "post/foreign-minister-of-iran"),
            ("person/bouthaina-shaaban", "post/chief-advisor-to-the-president-of-syria"),
            ("person/ali-akbar-velayati", "post/advisor-to-the-supreme-leader-of-iran"),
            ("person/hassan-rouhani", "post/president-of-iran"),
            ("person/vladimir-putin", "post/president-of-russia"),
            ("person/ali-khamenei", "post/supreme-leader-of-iran"),
            ("person/bashar-al-assad", "post/president-of-syria"),
        },
    ),
    Question(
        "metonymy",
        "What do 'Moscow', 'Tehran', 'Damascus' and 'Tel Aviv' stand for?",
        """SELECT DISTINCT ?place ?actor WHERE {
            ?m a sg:Mention ; sg:namesPlace ?place ; sg:refersTo ?actor .
            ?actor a/rdfs:subClassOf* sg:Actor .
            FILTER(?place IN (place:moscow, place:tehran, place:damascus, place:tel-aviv))
        }""",
        {
            ("place/moscow", "government/russia"),
            ("place/tehran", "government/iran"),
            ("place/damascus", "government/syria"),
            ("place/tel-aviv", "government/israel"),
        },
    ),
    Question(
        "metonymy-inferred",
        "Is every reading of a capital as its government marked as inferred, with a note?",
        """SELECT (COUNT(DISTINCT ?m) AS ?unmarked) WHERE {
            ?m a sg:Mention ; sg:namesPlace ?place ; sg:refersTo ?actor .
            ?actor a sg:Government .
            FILTER NOT EXISTS { ?m sg:inferred true ; sg:inferenceNote ?note }
        }""",
        {(0,)},
    ),
    Question(
        "public-welcome",
        "Who welcomed Russia's decision in public (officially, or with a positive spin)?",
        """SELECT DISTINCT ?holder WHERE {
            ?s a sg:Stance ; sg:polarity pol:welcome ; sg:expression expr:public ;
               sg:holder ?holder ; sg:target ?t .
            FILTER(?t IN (event:1, event:2))
        }""",
        # Tehran and Damascus in official statements (paragraph 3); Moscow and Tehran "putting a
        # positive spin on Russia's decision" (paragraph 1).
        {("government/iran",), ("government/syria",), ("government/russia",)},
    ),
    Question(
        "private-withdrawal",
        "Who, in private, may be against the withdrawal, and who says so?",
        """SELECT DISTINCT ?holder ?by WHERE {
            ?s a sg:Stance ; sg:expression expr:private ; sg:holder ?holder ;
               sg:target ?t ; sg:attributedBy ?by ; sg:polarity/skos:broadMatch marl:Negative .
            FILTER(?t IN (event:1, event:2))
        }""",
        # The IRGC (paragraph 9, "may not be welcomed by the IRGC"), the forces behind the Iranian
        # forces on the ground (paragraph 7), and Iran itself ("whether either of the two,
        # especially Iran, ... was happy with it", paragraph 4): each read into them by the author.
        {
            ("armed-force/irgc", "person/yury-barmin"),
            ("group/forces-behind-iranian-forces", "person/yury-barmin"),
            ("government/iran", "person/yury-barmin"),
        },
    ),
    Question(
        "public-private-gap",
        "Who welcomes the withdrawal in public but may be against it in private?",
        """SELECT DISTINCT ?holder WHERE {
            ?pub a sg:Stance ; sg:holder ?holder ; sg:expression expr:public ;
                 sg:polarity/skos:broadMatch marl:Positive ; sg:target ?t1 .
            ?priv a sg:Stance ; sg:holder ?holder ; sg:expression expr:private ;
                  sg:polarity/skos:broadMatch marl:Negative ; sg:target ?t2 .
            FILTER(?t1 IN (event:1, event:2) && ?t2 IN (event:1, event:2))
        }""",
        {("government/iran",)},
    ),
    Question(
        "russia-hezbollah-public-private",
        "How does Russia treat Hezbollah in public and in private?",
        f"""SELECT DISTINCT ?expression WHERE {{
            ?s a sg:Stance ; sg:holder ?h ; sg:expression ?expression ; sg:target ?t .
            ?h sg:governmentOf? state:russia .
            ?t ({PARTICIPANT}|sg:relationSubject|sg:relationObject|sg:about)? armedgroup:hezbollah .
        }}""",
        # In public it ignores Hezbollah running areas of Syria, on the ground it has to deal with
        # it (private, against "its public comments"); Moscow's concern about its weapons ending
        # up with the group the text attributes without saying whether it is shown (unstated).
        {("expression/public",), ("expression/private",), ("expression/unstated",)},
    ),
    Question(
        "russia-hezbollah-public-polarity",
        "What is Russia's public stance on Hezbollah?",
        f"""SELECT DISTINCT ?polarity WHERE {{
            ?s a sg:Stance ; sg:holder ?h ; sg:expression expr:public ; sg:polarity ?polarity ;
               sg:target ?t .
            ?h sg:governmentOf? state:russia .
            ?t ({PARTICIPANT}|sg:relationSubject|sg:relationObject|sg:about)? armedgroup:hezbollah .
        }}""",
        {("polarity/disregard",)},
    ),
    Question(
        "claim-1",
        "Who says Assad's fate is what Moscow and Tehran don't agree on, and on which issue?",
        """SELECT ?claimant ?onAssad WHERE {
            claim:1 sg:claimant ?claimant .
            BIND(EXISTS { claim:1 sg:concernsIssue issue:assad-future } AS ?onAssad)
        }""",
        {("person/yury-barmin", True)},
    ),
    Question(
        "rouhani-disagreement",
        "Who said his country does not agree with Moscow on every move related to Syria?",
        f"""SELECT DISTINCT ?claimant WHERE {{
            ?c sg:claimant ?claimant ; sg:claimKind kind:statement-of-position ; {WORDS} ?e .
            FILTER(CONTAINS(?e, "does not agree with Moscow"))
        }}""",
        {("person/hassan-rouhani",)},
    ),
    Question(
        "red-line-forecast",
        "What kind of claim is the forecast about Israel's red line?",
        """SELECT DISTINCT ?kind WHERE {
            ?c sg:condition ?cond ; sg:claimKind ?kind .
            FILTER(CONTAINS(LCASE(STR(?cond)), "red line"))
        }""",
        {("claim-kind/conditional-forecast",)},
    ),
    Question(
        "red-line-forecast-israel",
        "Whom does the red-line forecast see entering the war?",
        f"""SELECT DISTINCT ?state WHERE {{
            ?c sg:condition ?cond . FILTER(CONTAINS(LCASE(STR(?cond)), "red line"))
            ?c sg:asserts ?e . ?e a sg:Event ; {PARTICIPANT} ?a .
            ?a sg:governmentOf? ?state . ?state a sg:State .
        }}""",
        {("state/israel",)},
    ),
    Question(
        "tacit-consent",
        "Who gave tacit consent to Russia's involvement in Syria?",
        f"""SELECT DISTINCT ?state ?russiaInvolved WHERE {{
            ?s a sg:Stance ; sg:polarity pol:tacit-consent ; sg:holder ?h ; sg:target ?t .
            ?h sg:governmentOf? ?state . ?state a sg:State .
            BIND(EXISTS {{
                ?t ({PARTICIPANT}|sg:about|sg:relationSubject)? ?r .
                ?r sg:governmentOf? state:russia
            }} AS ?russiaInvolved)
        }}""",
        {("state/israel", True)},
    ),
    Question(
        "terrorist-designation",
        "Who recognises Hezbollah as a terrorist group?",
        f"""SELECT DISTINCT ?x WHERE {{
            {relation("?x", "sg:designatesAsTerrorist", "armedgroup:hezbollah")}
        }}""",
        {("group/the-west",)},
    ),
    Question(
        "external-metadata",
        "Who wrote the article and when was it published, and is that recorded as external?",
        """SELECT DISTINCT ?author ?date WHERE {
            ?m1 a sg:ExternalMetadata ; sg:describes doc:rd-syria-iran ; prov:wasDerivedFrom [] ;
                dcterms:creator|schema:author|prov:wasAttributedTo ?author .
            ?m2 a sg:ExternalMetadata ; sg:describes doc:rd-syria-iran ; prov:wasDerivedFrom [] ;
                dcterms:issued|dcterms:date|dcterms:created|schema:datePublished ?d .
            BIND(SUBSTR(STR(?d), 1, 10) AS ?date)
            FILTER NOT EXISTS { ?m1 sg:anchor [] }
            FILTER NOT EXISTS { ?m2 sg:anchor [] }
        }""",
        {("person/yury-barmin", "2016-03-23")},
    ),
    Question(
        "zarif-quote",
        "Whose words are 'The fact that Russia announced ...', and how are they reported?",
        """SELECT DISTINCT ?claimant ?mode WHERE {
            ?c sg:verbatim ?v ; sg:claimant ?claimant ; sg:reportingMode ?mode .
            FILTER(STRSTARTS(STR(?v), "The fact that Russia announced"))
        }""",
        {("person/javad-zarif", "reporting-mode/direct-quote")},
    ),
    Question(
        "shaaban",
        "Who said the decision was made in coordination with President Assad?",
        f"""SELECT DISTINCT ?claimant ?mode WHERE {{
            ?c a sg:Claim ; sg:claimant ?claimant ; sg:reportingMode ?mode ; {WORDS} ?e .
            FILTER(CONTAINS(?e, "did not surprise Damascus"))
        }}""",
        {("person/bouthaina-shaaban", "reporting-mode/reported-speech")},
    ),
    Question(
        "assad-promise",
        "What kind of claim is Assad's vow to 'retake all of Syria'?",
        """SELECT DISTINCT ?kind WHERE {
            ?c sg:claimant person:bashar-al-assad ; sg:verbatim ?v ; sg:claimKind ?kind .
            FILTER(CONTAINS(STR(?v), "retake all of Syria"))
        }""",
        {("claim-kind/promise",)},
    ),
    Question(
        "assad-interviewer",
        "To which news agency did Assad give his mid-February interview?",
        f"""SELECT DISTINCT ?m WHERE {{
            {{ ?c sg:claimant person:bashar-al-assad ; sg:verbatim ?v ; sg:intermediary ?m .
               FILTER(CONTAINS(STR(?v), "retake all of Syria")) }}
            UNION
            {{ ?e sg:eventType etype:interview ;
                  {PARTICIPANT} person:bashar-al-assad , ?m .
               ?m a sg:MediaOrganization }}
        }}""",
        {("media/afp",)},
    ),
    Question(
        "assad-question",
        "Who asked 'Who will speak to the terrorists ...?', and as what kind of claim?",
        """SELECT DISTINCT ?claimant ?kind WHERE {
            ?c sg:verbatim ?v ; sg:claimant ?claimant ; sg:claimKind ?kind .
            FILTER(CONTAINS(STR(?v), "Who will speak to the terrorists"))
        }""",
        {("person/bashar-al-assad", "claim-kind/rhetorical-question")},
    ),
    Question(
        "assad-depends-on",
        "On whom does Assad's future depend?",
        f"""SELECT DISTINCT ?state WHERE {{
            {relation("person:bashar-al-assad", "sg:dependsOn", "?x")}
            ?x sg:governmentOf? ?state . ?state a sg:State .
        }}""",
        {("state/iran",), ("state/russia",)},
    ),
    Question(
        "sponsor-of-syrian-government",
        "Who is the main sponsor of the Syrian government?",
        f"""SELECT DISTINCT ?state WHERE {{
            {relation("?x", "sg:sponsors", "government:syria")}
            ?x sg:governmentOf? ?state . ?state a sg:State .
        }}""",
        {("state/iran",)},
    ),
    Question(
        "weapons-supply",
        "Who supplies weapons to whom?",
        f"""SELECT DISTINCT ?from ?to WHERE {{
            {relation("?x", "sg:suppliesWeaponsTo", "?y")}
            ?x sg:governmentOf? ?from . ?from a sg:State .
            ?y sg:governmentOf? ?to . ?to a sg:State .
        }}""",
        {("state/russia", "state/iran"), ("state/russia", "state/syria")},
    ),
    Question(
        "at-odds-with-irgc",
        "Who is seen as being at odds with the IRGC?",
        f"""SELECT DISTINCT ?x WHERE {{
            {{ {relation("?x", "sg:atOddsWith", "armedforce:irgc")} }}
            UNION {{ {relation("armedforce:irgc", "sg:atOddsWith", "?x")} }}
        }}""",
        {("person/hassan-rouhani",)},
    ),
    Question(
        "acts-in-concert",
        "With whom is Russia acting in concert to stabilise the Syrian government?",
        f"""SELECT DISTINCT ?partner WHERE {{
            {relation("?x", "sg:actsInConcertWith", "?y")}
            ?x sg:governmentOf? state:russia .
            ?y sg:governmentOf? ?partner .
            FILTER(?partner = armedgroup:hezbollah || EXISTS {{ ?partner a sg:State }})
        }}""",
        {("state/iran",), ("armed-group/hezbollah",)},
    ),
    Question(
        "velayati-meeting",
        "Whom did Velayati meet before announcing the alliance?",
        f"""SELECT DISTINCT ?other WHERE {{
            ?e a sg:Event ; sg:eventType etype:meeting ;
               {PARTICIPANT} person:ali-akbar-velayati , ?other .
            FILTER(?other != person:ali-akbar-velayati)
        }}""",
        {("organization/security-council-of-russia",)},
    ),
    Question(
        "angered",
        "Who was angered by Velayati's statement?",
        """SELECT DISTINCT ?holder WHERE {
            ?s a sg:Stance ; sg:polarity pol:anger ; sg:holder ?holder ; sg:target ?t .
            ?t sg:claimant person:ali-akbar-velayati .
        }""",
        {("group/russian-officials",)},
    ),
    Question(
        "surprised",
        "Whom did Russia's decision take by surprise?",
        """SELECT DISTINCT ?holder WHERE {
            ?s a sg:Stance ; sg:polarity pol:surprise ; sg:holder ?holder .
            FILTER NOT EXISTS {
                ?s sg:certainty ?c .
                FILTER(?c IN (cert:certain-not, cert:probable-not, cert:possible-not))
            }
        }""",
        {("group/decision-makers-in-the-west",)},
    ),
    # ----------------------------------------------------------------------------------------
    # Issue #18: questions only the structured propositions, the unnamed-source nodes, the
    # reporters and the finer time bounds answer (none of them reads a paraphrase).
    Question(
        "wants-assad-president",
        "Who wants Assad to remain President of Syria?",
        """SELECT DISTINCT ?state WHERE {
            ?s a sg:Stance ; sg:holder ?h ; sg:target ?p ;
               sg:polarity/skos:broadMatch marl:Positive .
            ?p sg:relationSubject person:bashar-al-assad ; sg:relationProperty org:holds ;
               sg:relationObject post:president-of-syria .
            FILTER NOT EXISTS { ?p sg:negated true }
            ?h sg:governmentOf? ?state . ?state a sg:State .
        }""",
        {("state/iran",)},
    ),
    Question(
        "ranks-above-assad-presidency",
        "Who ranks something above Assad's remaining President, and what?",
        """SELECT DISTINCT ?state ?value WHERE {
            ?s a sg:Stance ; sg:holder ?h ; sg:preferredOver ?p ; sg:target ?wanted .
            ?p sg:relationSubject person:bashar-al-assad ; sg:relationProperty org:holds ;
               sg:relationObject post:president-of-syria .
            ?wanted sg:relationSubject state:syria ; sg:relationProperty sg:hasRegime ;
                    sg:relationValue ?value .
            ?h sg:governmentOf? ?state . ?state a sg:State .
        }""",
        {
            ("state/russia", "a Shia-dominated regime"),
            ("state/russia", "the current design of the political system"),
        },
    ),
    Question(
        "exchange-for-consent",
        "What does Israel's tacit consent to Russia's involvement get in exchange?",
        """SELECT DISTINCT ?holder ?subject ?predicate ?object WHERE {
            ?s a sg:Stance ; sg:polarity pol:tacit-consent ; sg:holder ?holder ;
               sg:inExchangeFor ?p .
            ?p sg:relationSubject ?subject ; sg:relationProperty ?predicate ;
               sg:relationObject ?object .
        }""",
        {("state/israel", "state/russia", SG + "restrains", "armed-group/hezbollah")},
    ),
    Question(
        "red-line-condition",
        "Under what condition does Israel enter the war, as structure?",
        f"""SELECT DISTINCT ?subject ?predicate ?object WHERE {{
            ?c sg:conditionProposition ?p ; sg:asserts ?e .
            ?e a sg:Event ; {PARTICIPANT} ?a . ?a sg:governmentOf? state:israel .
            ?p sg:relationSubject ?subject ; sg:relationProperty ?predicate ;
               sg:relationObject ?object .
        }}""",
        {("armed-group/hezbollah", SG + "crossesRedLineOf", "state/israel")},
    ),
    Question(
        "denied-relations",
        "Which relation does a claim deny, and whose claim is the denial?",
        """SELECT DISTINCT ?denier ?subject ?predicate ?object WHERE {
            ?c sg:asserts ?p ; sg:claimant ?denier .
            ?p sg:negated true ; sg:relationSubject ?subject ; sg:relationProperty ?predicate ;
               sg:relationObject ?object .
        }""",
        {("group/russian-officials", "state/russia", SG + "alliedWith", "armed-group/hezbollah")},
    ),
    Question(
        "russia-hezbollah-plain-facts",
        "Which relations from Russia to Hezbollah do the plain triples state as fact?",
        """SELECT DISTINCT ?p WHERE {
            state:russia ?p armedgroup:hezbollah . ?p rdfs:subPropertyOf+ sg:actorRelation .
        }""",
        # None: "to some extent" hedges acting in concert, and Russian officials deny the
        # alliance; both stay relation nodes, with their claims.
        set(),
    ),
    Question(
        "unnamed-source-claimants",
        "Which claims come from unnamed sources: of what kind, in which words, passed on by whom,"
        " and how far does he commit to them?",
        """SELECT DISTINCT ?kind ?words ?reporter ?reporterCertainty WHERE {
            ?c sg:claimant ?u ; sg:reporter ?reporter ; sg:reporterCertainty ?reporterCertainty .
            ?u a sg:UnnamedSource ; sg:sourceKind ?kind ; sg:anchor/oa:hasSelector/oa:exact ?w .
            BIND(SUBSTR(?w, 1, 32) AS ?words)
        }""",
        {
            (
                "reporting-mode/caption",
                "Russian President Vladimir Putin",
                "person/yury-barmin",
                "certainty/uncommitted",
            ),
            (
                "reporting-mode/unnamed-estimate",
                "According to some estimates",
                "person/yury-barmin",
                "certainty/uncommitted",
            ),
            (
                "reporting-mode/unnamed-source",
                "reportedly",
                "person/yury-barmin",
                "certainty/uncommitted",
            ),
            (
                "reporting-mode/common-perception",
                "has been increasingly viewed as",
                "person/yury-barmin",
                "certainty/uncommitted",
            ),
            (
                "reporting-mode/common-perception",
                "is largely seen as",
                "person/yury-barmin",
                "certainty/uncommitted",
            ),
        },
    ),
    Question(
        "author-claims-what-he-passes-on",
        "Does the author claim anything the text marks as someone else's words?",
        """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
            ?c sg:claimant person:yury-barmin .
            { ?c sg:hedge/skos:broader+ hedge:evidential }
            UNION {
                ?c sg:reportingMode ?mode .
                FILTER(?mode IN (mode:unnamed-source, mode:unnamed-estimate,
                                 mode:common-perception, mode:caption))
            }
        }""",
        {(0,)},
    ),
    Question(
        "one-certainty-rule",
        'With what certainty, of claimant and reporter, do "reportedly", "according to" and'
        ' "is largely seen as" claims come?',
        """SELECT DISTINCT ?certainty ?reporterCertainty WHERE {
            ?c a sg:Claim ; sg:hedge/skos:broader+ hedge:evidential .
            OPTIONAL { ?c sg:certainty ?certainty }
            OPTIONAL { ?c sg:reporterCertainty ?reporterCertainty }
        }""",
        # One rule: the source is committed to its own words, the author who passes them on is
        # not ("some estimates" and "reportedly" alike).
        {("certainty/certain", "certainty/uncommitted")},
    ),
    Question(
        "open-questions",
        "What does the author leave open, and does he assert any of it?",
        f"""SELECT DISTINCT ?certainty ?asserts ?words WHERE {{
            ?c sg:claimant person:yury-barmin ; sg:claimKind kind:open-question ;
               sg:certainty ?certainty ; {WORDS} ?w .
            BIND(EXISTS {{ ?c sg:asserts ?x }} AS ?asserts)
            BIND(SUBSTR(?w, 1, 40) AS ?words)
        }}""",
        {
            ("certainty/uncommitted", False, "the real question is whether either of t"),
            ("certainty/uncommitted", False, "Russia’s pullout that was or was not coo"),
        },
    ),
    Question(
        "stance-from-open-question",
        'Is the stance read from "the real question is whether ... was happy with it" marked'
        " as a reading?",
        f"""SELECT DISTINCT ?holder ?inferred WHERE {{
            ?s a sg:Stance ; sg:holder ?holder ; sg:evidencedBy ?c .
            ?c {WORDS} ?w . FILTER(CONTAINS(?w, "the real question is whether"))
            BIND(EXISTS {{ ?s sg:inferred true ; sg:inferenceNote ?note }} AS ?inferred)
        }}""",
        {("government/iran", True)},
    ),
    Question(
        "assad-questions-stay-questions",
        "Are Assad's questions kept questions, committing him to nothing?",
        """SELECT DISTINCT ?kind ?certainty ?asserts WHERE {
            ?c sg:verbatim ?v ; sg:claimKind ?kind ; sg:certainty ?certainty .
            FILTER(CONTAINS(STR(?v), "Who will speak to the terrorists"))
            BIND(EXISTS { ?c sg:asserts ?x } AS ?asserts)
        }""",
        {("claim-kind/rhetorical-question", "certainty/uncommitted", False)},
    ),
    Question(
        "anger-expression",
        "Does the text say the Russian officials' anger was shown in public?",
        """SELECT DISTINCT ?expression WHERE {
            ?s a sg:Stance ; sg:polarity pol:anger ; sg:holder group:russian-officials ;
               sg:expression ?expression .
        }""",
        {("expression/unstated",)},
    ),
    Question(
        "irgc-contributes-to",
        "To what did the IRGC contribute soldiers, and how many of them?",
        f"""SELECT DISTINCT ?to ?qualifier WHERE {{
            {relation("armedforce:irgc", "sg:contributesForcesTo", "?to")}
            OPTIONAL {{
                ?r sg:relationSubject armedforce:irgc ; sg:relationObject ?to ;
                   sg:quantity/sg:qualifier ?qualifier
            }}
        }}""",
        # "Most Iranian soldiers fighting alongside the Syrian Arab Army were contributed by the
        # IRGC": to the Iranian forces in Syria (the army is who they fight alongside).
        {("armed-force/iranian-forces-in-syria", "quantity-qualifier/most")},
    ),
    Question(
        "hezbollah-and-assad",
        "What is Hezbollah to Assad, and does Assad depend on it?",
        f"""SELECT DISTINCT ?p WHERE {{
            {{ {relation("armedgroup:hezbollah", "?p", "person:bashar-al-assad")} }}
            UNION {{ {relation("person:bashar-al-assad", "?p", "armedgroup:hezbollah")} }}
            FILTER(?p != rdf:type)
        }}""",
        {(SG + "crucialTo",)},
    ),
    Question(
        "rouhani-iran-moscow",
        "What relation of Iran to Moscow does Rouhani's statement assert?",
        """SELECT DISTINCT ?p WHERE {
            ?c sg:claimant person:hassan-rouhani ; sg:asserts ?r .
            ?r sg:relationSubject state:iran ; sg:relationProperty ?p ;
               sg:relationObject government:russia .
        }""",
        # "does not agree with Moscow on every move": a disagreement, not being at odds.
        {(SG + "disagreesWith",)},
    ),
    Question(
        "qualifiers",
        "How does the text qualify the 160 fatalities and the 18 months?",
        """SELECT DISTINCT ?value ?qualifier WHERE {
            ?q a sg:Quantity ; schema:value ?value ; sg:qualifier ?qualifier .
            FILTER(?value IN (160, 18))
        }""",
        # a bare number, and the "tentative" timeframe: neither is "exactly".
        {(160, "quantity-qualifier/unqualified"), (18, "quantity-qualifier/tentative")},
    ),
    Question(
        "advisors-stay",
        "Where will the military advisors stay, and how many of them?",
        """SELECT DISTINCT ?place ?qualifier WHERE {
            ?r sg:relationSubject ?advisors ; sg:relationProperty sg:stationedAt ;
               sg:relationObject ?place ; sg:quantity/sg:qualifier ?qualifier .
            ?advisors skos:altLabel "military advisors"@en .
        }""",
        {("place/damascus", "quantity-qualifier/most")},
    ),
    Question(
        "what-stays-in-syria",
        "Which Russian forces and equipment stay where, as the article says in its own voice?",
        """SELECT DISTINCT ?what ?place WHERE {
            ?r sg:relationProperty sg:stationedAt ; sg:relationSubject ?what ;
               sg:relationObject ?place ; sg:statedInOwnVoice true .
        }""",
        {
            ("equipment/s-400", "place/hmeymim-base"),
            ("armed-force/russian-armed-forces", "place/russian-air-base-in-syria"),
            ("armed-force/russian-armed-forces", "place/russian-naval-base-in-syria"),
            ("armed-force/russian-military-advisors-in-syria", "place/damascus"),
        },
    ),
    Question(
        "s400-base-label",
        "What does the text call the base the S-400 remains at?",
        f"""SELECT DISTINCT ?label ?inText WHERE {{
            {relation("equipment:s-400", "sg:stationedAt", "?base")}
            ?base rdfs:label ?label .
            BIND(EXISTS {{ ?a oa:hasSelector/oa:exact ?e . FILTER(CONTAINS(?e, STR(?label))) }}
                 AS ?inText)
        }}""",
        {("Hmeymim base", True)},
    ),
    Question(
        "bounds-by-convention",
        "Which times have bounds by the project's convention rather than the text, and which?",
        """SELECT DISTINCT ?convention ?earliest ?latest WHERE {
            ?t sg:boundsConvention ?convention ; sg:earliest ?earliest ; sg:latest ?latest .
        }""",
        {
            ("bounds-convention/month-thirds", "2016-02-11", "2016-02-20"),
            ("bounds-convention/month-thirds", "2016-02-21", "2016-02-29"),
            ("bounds-convention/season-months", "2015-06-01", "2015-09-30"),
        },
    ),
    Question(
        "mid-before-late-february",
        "Did Assad's mid-February interview end before the IRGC began withdrawing in late"
        " February?",
        f"""SELECT ?before WHERE {{
            ?interview sg:eventType etype:interview ; time:hasTime/sg:latest ?end .
            ?withdrawal sg:eventType etype:withdrawal ; {WORDS} ?w ;
                        time:hasTime/sg:earliest ?start .
            FILTER(CONTAINS(?w, "late February"))
            BIND(?end < ?start AS ?before)
        }}""",
        {(True,)},
    ),
    Question(
        "month-anchored-with-its-part",
        "Is every part of a month or season anchored with the words of its own month or year?",
        """SELECT (COUNT(DISTINCT ?t) AS ?elsewhere) WHERE {
            ?t sg:withinPeriod ?month ; sg:anchor/oa:hasSelector ?ps .
            ?ps a oa:TextPositionSelector ; oa:start ?ts ; oa:end ?te .
            FILTER NOT EXISTS {
                ?month sg:anchor/oa:hasSelector ?ms .
                ?ms a oa:TextPositionSelector ; oa:start ?ms0 ; oa:end ?me0 .
                FILTER(?ms0 >= ?ts && ?me0 <= ?te)
            }
        }""",
        {(0,)},
    ),
]


@pytest.fixture(scope="module")
def kg() -> Graph:
    """The model graphs, rd-syria-iran's graph and the actors it reaches, as one graph: the
    answers are the article's, so a second source in data/ (issue #16) changes none of them."""
    dataset = graph.assemble(find_project(home=ROOT))
    article = graph.source_graph_iri("rd-syria-iran")
    model = [graph.ONTOLOGY_GRAPH, graph.VOCAB_GRAPH, graph.SHAPES_GRAPH, article]
    kg = graph.union_graph(dataset, model)
    terms = {t for triple in dataset.graph(article) for t in (triple[0], triple[2])}
    for triple in corpus.reached_actors(dataset.graph(graph.ACTORS_GRAPH), terms):
        kg.add(triple)
    return kg


def norm(value: object) -> object:
    """A result cell as the expected answers write it."""
    if value is None:
        return None
    if isinstance(value, URIRef):
        text = str(value)
        for base in (ID, VOCAB):
            if text.startswith(base):
                return text[len(base) :]
        return text
    if isinstance(value, Literal):
        py = value.toPython()
        if isinstance(py, bool):
            return py
        if isinstance(py, int | float | Decimal) and py == int(py):
            return int(py)
        if isinstance(py, dt.datetime | dt.date):
            return py.isoformat()[:10]
        return str(py) if not isinstance(py, int | float | Decimal) else py
    return str(value)


def answer(kg: Graph, sparql: str) -> set[tuple]:
    return {tuple(norm(cell) for cell in row) for row in kg.query(PREFIXES + sparql)}


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_question(kg: Graph, q: Question) -> None:
    got = answer(kg, q.sparql)
    assert got == q.expected, (
        f"{q.question}\n  expected: {sorted(map(str, q.expected))}\n"
        f"  got:      {sorted(map(str, got))}\n"
        f"  missing:  {sorted(map(str, q.expected - got))}\n"
        f"  extra:    {sorted(map(str, got - q.expected))}"
    )


def test_question_ids_are_unique() -> None:
    ids = [q.id for q in QUESTIONS]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------------------------
# Questions whose answer is an order or a comparison, not only a set


def test_events_in_order(kg: Graph) -> None:
    """In what order did the summit, the nuclear deal, the elections, the AFP interview, the
    IRGC's withdrawal and Putin's announcement happen? (Sorted on the bounds the data gives.)"""
    rows = answer(
        kg,
        f"""SELECT DISTINCT ?key ?earliest ?latest WHERE {{
            {{
                VALUES (?key ?phrase ?type) {{
                    ("gecf-summit" "Gas Exporting Countries Forum" etype:summit)
                    ("nuclear-deal" "nuclear deal" etype:agreement)
                    ("elections" "parliamentary elections" etype:election)
                    ("afp-interview" "interview with AFP" etype:interview)
                    ("irgc-withdrawal" "withdrawing forces from Syria" etype:withdrawal)
                }}
                ?e a sg:Event ; sg:eventType ?type ; {WORDS} ?x .
                FILTER(CONTAINS(?x, ?phrase))
            }} UNION {{
                BIND("announcement" AS ?key) BIND(event:1 AS ?e)
            }}
            ?e time:hasTime ?t . ?t sg:earliest ?earliest ; sg:latest ?latest .
        }}""",
    )
    by_key: dict[str, list[tuple[str, str]]] = {}
    for key, earliest, latest in rows:
        by_key.setdefault(key, []).append((earliest, latest))
    keys = ["nuclear-deal", "gecf-summit", "elections", "afp-interview", "irgc-withdrawal"]
    keys.append("announcement")
    missing = [k for k in keys if k not in by_key]
    assert not missing, f"no event with time bounds for {missing}; found {by_key}"
    several = {k: v for k, v in by_key.items() if len(v) != 1}
    assert not several, f"several events or bounds for one key: {several}"
    bounds = {k: v[0] for k, v in by_key.items()}
    assert bounds["gecf-summit"] == ("2015-11-23", "2015-11-23")
    assert bounds["announcement"] == ("2016-03-14", "2016-03-14")
    assert bounds["nuclear-deal"][0].startswith("2015-0"), "summer 2015"
    assert bounds["nuclear-deal"][1] < "2015-10-01", "summer 2015"
    for key in ("elections", "afp-interview", "irgc-withdrawal"):
        assert bounds[key][0] >= "2016-02-01" and bounds[key][1] <= "2016-02-29", (key, bounds)
    assert sorted(keys, key=lambda k: bounds[k]) == keys, bounds


def test_russia_and_iran_diverge_on_assads_future(kg: Graph) -> None:
    """Do Russia and Iran hold positions on Assad's future, and do those positions differ?"""
    rows = answer(
        kg,
        """SELECT DISTINCT ?state ?polarity WHERE {
            ?s a sg:Stance ; sg:holder ?h ; sg:polarity ?polarity .
            { ?s sg:target issue:assad-future } UNION { ?s sg:concernsIssue issue:assad-future }
            ?h sg:governmentOf? ?state . ?state a sg:State .
        }""",
    )
    polarities: dict[str, set[str]] = {}
    for state, polarity in rows:
        polarities.setdefault(state, set()).add(polarity)
    assert set(polarities) == {"state/iran", "state/russia"}, polarities
    assert polarities["state/iran"] != polarities["state/russia"], polarities


def test_labels_not_in_the_text_say_where_their_normal_form_comes_from(kg: Graph) -> None:
    """Issue #18: "Islamic Revolutionary Guard Corps" for the text's "Iranian Revolutionary Guards
    Corps", "Agence France-Presse" for "AFP": where a name's label is not the text's words, an
    axiom on the label says where the normal form comes from (prov:wasDerivedFrom), and the
    text's form is kept as an alternative label."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rows = answer(
        kg,
        """SELECT DISTINCT ?thing ?label ?derivedFrom WHERE {
            {
                ?thing a ?class .
                FILTER(?class IN (sg:Person, sg:State, sg:ArmedGroup, sg:MediaOrganization,
                                  sg:IntergovernmentalForum, sg:GovernmentBody))
            } UNION {
                # a name linked to Wikidata (events and governments have descriptive labels)
                ?thing skos:exactMatch ?wikidata .
                FILTER NOT EXISTS { ?thing a sg:Event }
                FILTER NOT EXISTS { ?thing a sg:Government }
            } UNION {
                ?m a sg:Mention ; sg:refersTo ?thing . ?thing a sg:Place .
                FILTER NOT EXISTS { ?m sg:inferred true }
                FILTER NOT EXISTS { ?thing sg:territoryOf ?state }
            }
            ?thing rdfs:label ?label .
            OPTIONAL {
                ?axiom owl:annotatedSource ?thing ; owl:annotatedProperty rdfs:label ;
                       owl:annotatedTarget ?label ; prov:wasDerivedFrom ?axiomSource .
            }
            OPTIONAL { ?thing prov:wasDerivedFrom ?thingSource }
            BIND(COALESCE(?axiomSource, ?thingSource) AS ?derivedFrom)
        }""",
    )
    assert rows, "no named things found"
    unsourced = sorted(
        (thing, label)
        for thing, label, source in rows
        if source is None and not any(label in text for text in texts)
    )
    assert unsourced == [], f"labels neither in a seed text nor sourced: {unsourced}"
    sourced = {thing: source for thing, _label, source in rows if source is not None}
    assert sourced["armed-force/irgc"] == "http://www.wikidata.org/entity/Q271110"
    assert sourced["media/afp"] == "http://www.wikidata.org/entity/Q40464"
    alt = answer(kg, "SELECT ?alt WHERE { armedforce:irgc skos:altLabel ?alt }")
    assert ("Iranian Revolutionary Guards Corps",) in alt
