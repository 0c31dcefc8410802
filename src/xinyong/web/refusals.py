"""What the pages say when a request or a row is refused, in the page's language.

The services refuse with a machine-readable code and an English message (``DomainError``),
which the API returns as they are. A page explains the refusal in its own language and
keeps the code beside it (users and tests refer to it):

1. a problem whose code says all its message does (``STATED``) is translated by its code;
2. a message the services write word for word (``MESSAGES``) is its own message id;
3. a message with values in it (a count, a date, a check character) is matched by one of
   ``PATTERNS`` and translated with its values; a value that is itself a message (the
   failed check a repair refusal quotes, a parser's problem) is translated as it would be
   alone (``_part``: ``MESSAGES``, or a pattern of code ``PART``);
4. otherwise the code's general explanation (``CODES``), with the English message kept
   as a detail line, since it names what the explanation cannot (a field, a value);
5. a code no table knows: the English message, as it is.

Rules 4 and 5 are for what the sources do not say: tests/test_refusal_messages.py reads
every message the services raise (literals and f-strings, their values filled with every
member of a closed set) and fails for one a Chinese page would explain by its code only,
or with English left in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xinyong import texts
from xinyong.web.labels import (
    CHOICE_LABELS,
    ENUM_LABELS,
    N_,
    OBJECTION_GROUND_LABELS,
    PERMISSION_LABELS,
    RECORD_STATUS_LABELS,
    REINSTATEMENT_GROUNDS,
    REVOCATION_GROUNDS,
    cite,
    enum_label,
)

Gettext = Callable[[str], str]

# --- 1. problems a code states in full ---------------------------------------------------------

# A problem listed beside the field it concerns, whose message has no values: its code says
# all the message does, so the page translates the code and does not repeat the English.
# A district rule's loosenings of the city's (Art. 35; ``catalog.definitions.loosenings``).
STATED: dict[str, str] = {
    "changes_code": N_("a district rule must keep the record type's code"),
    "drops_field": N_("a district rule cannot drop a city field"),
    "makes_field_optional": N_("a district rule cannot make a required field optional"),
    "lowers_sensitivity": N_("a district rule cannot lower a field's sensitivity"),
    "admits_more_submitters": N_("a district rule cannot admit more submitters"),
    "public_without_law": N_("only law makes a record public"),
    "publishes_non_public": N_("a district rule cannot publish what the city keeps private"),
    "skips_review": N_("a district rule cannot skip review"),
    "publishes_unpublished_class": N_("cannot publish an unpublished class"),
    "lengthens_publicity": N_("cannot lengthen the publicity period"),
    "lengthens_retention": N_("a district rule cannot keep records longer than the city's"),
    "changes_conduct_end": N_(
        "a district rule cannot count retention from another date than the city's"
    ),
    "drops_own_business_check": N_(
        "a district rule cannot drop the check that a record is from the submitter's own business"
    ),
    "drops_membership_check": N_(
        "a district rule cannot admit records about subjects that are not members"
    ),
    "changes_group": N_("a district rule keeps the record type's group"),
    "changes_category": N_(
        "a district rule cannot make public credit information market information or the "
        "other way round"
    ),
    "changes_polarity": N_(
        "a district rule cannot change whether a record type is positive, negative or neutral"
    ),
    "admits_more_subject_kinds": N_(
        "a district rule cannot keep records about more kinds of subject than the city's"
    ),
    "changes_subject_fields": N_("a district rule keeps the fields naming the subject"),
    "changes_decision_date_field": N_("a district rule keeps the decision date field"),
    "changes_natural_key": N_(
        "a district rule keeps the fields that identify a record across batches"
    ),
    "changes_self_declared": N_("a district rule cannot change who provides the records of a type"),
    "drops_repair_exclusion": N_(
        "a district rule cannot make repairable what Art. 22 does not let be repaired"
    ),
    "changes_field_type": N_(
        "a district rule cannot change a field's type: its values would escape its checks"
    ),
    "lengthens_field": N_("a district rule cannot admit longer values than the city's"),
    "admits_more_choices": N_("a district rule cannot admit more choices than the city's"),
    "drops_redaction": N_(
        "a district rule cannot keep a field from being redacted before publicity"
    ),
    "drops_date_order": N_("a district rule keeps the date a field's date may not precede"),
    "withholds_public": N_(
        "a district rule cannot withhold from publicity what the city publishes: its "
        "minimum publicity period is a condition of credit repair"
    ),
    "changes_severity_rules": N_("a district rule keeps how a record's class is found"),
    "withholds_published_class": N_(
        "a district rule cannot withhold a class the city publishes: its minimum "
        "publicity period is a condition of credit repair"
    ),
    "shortens_minimum_publicity": N_(
        "a district rule cannot shorten the minimum publicity period: it is a condition of "
        "credit repair"
    ),
    "lengthens_default_publicity": N_(
        "a district rule cannot lengthen the publicity of a record whose source states no deadline"
    ),
    "shortens_extension": N_(
        "a district rule cannot admit a shorter extension of the publicity than the city's"
    ),
    # What a revision would change in the records stored (``type_in_use``; decision 0005,
    # ``catalog.definitions.stored_records_changes``).
    "changes_records_category": N_(
        "the records stored would become market credit information, or public"
    ),
    "changes_records_polarity": N_(
        "the records stored would count as positive, negative or neutral information "
        "otherwise than they were collected"
    ),
    "drops_records_subject_kind": N_(
        "the records stored about a kind of subject would be of a kind the type no longer keeps"
    ),
    "changes_records_subject_fields": N_(
        "the records stored name their subject by the fields in force"
    ),
    "changes_records_decision_date_field": N_(
        "the records stored are dated by the decision date field in force: their publicity "
        "and timeliness count from it"
    ),
    "drops_records_field": N_("the records stored hold the field"),
    "changes_records_field_type": N_(
        "the values stored in the field were checked as its type in force"
    ),
}

# --- 2. messages written word for word --------------------------------------------------------

MESSAGES: frozenset[str] = frozenset(
    {
        # signing in, accounts and the form itself
        N_("log in or present a token to do this"),
        # held rows (decision 0050)
        N_("no such held row"),
        N_("this held row was decided already"),
        # the credit authority revokes a consent (decision 0024, session 25 addendum)
        N_("this consent is revoked already"),
        N_(
            "the content of this held row was erased; it can only be rejected, and the "
            "source submits the row again from its own file"
        ),
        N_(
            "the row is refused on release for another reason than its name: reject it, "
            "and the source corrects the row and submits it again"
        ),
        N_("log in to read a credit file"),
        N_("log in to read a credit status"),
        N_("log in to read a list entry"),
        N_("log in to query credit files"),
        N_("log in to see your notices"),
        N_("log in to object"),
        N_("log in to see your grade"),
        N_("wrong username or password"),
        N_("the token is not valid"),
        N_("the token has expired"),
        N_("the session has expired"),
        N_("the API key is not valid"),
        N_("the account is not active"),
        N_("the form has expired or did not come from this site; reload the page and try again"),
        N_("a username needs 1–64 printable characters"),
        N_("a staff account belongs to one organisation"),
        N_("a subject account is bound to one subject and no organisation"),
        N_("this subject has an account already"),
        N_("an organisation needs a name"),
        N_("a person needs a name"),
        N_("a name is required"),
        N_("a person with this ID number exists already"),
        N_("not a date: use YYYY-MM-DD"),
        N_("not a date: use YYYY-MM-DD or YYYY/MM/DD"),
        # who may do what
        N_("a subject account may only read its own file"),
        N_("a subject account may read only its own credit file"),
        N_("a subject sees only its own consents"),
        N_("only the subject of a list entry may object to it"),
        N_("a subject account sees only the entries about itself"),
        N_("this belongs to another organisation"),
        N_("an organisation records only consents given to itself"),
        N_(
            "consent to collection is given by natural persons only: information about an "
            "organisation is collected without its consent"
        ),
        N_("staff submit only for their own organisation"),
        N_("only the unit that accepted the commitment updates its fulfilment"),
        N_(
            "the commitment was revoked by its accepting unit: its fulfilment is no longer recorded"
        ),
        N_("only the unit that submitted a record revokes it"),
        N_("only the unit that submitted a record reads it here, with its history"),
        N_("the record is revoked already"),
        N_(
            "the record was deleted after its retention period: there is no content left to correct"
        ),
        N_("this entry belongs to another agency"),
        N_("only a subject account declares about itself"),
        N_("only a subject sees its own access log"),
        N_("only the subject may ask"),
        N_("only a subject sees its notices"),
        N_("only a subject's own account has these pages"),
        N_("only an agency proposes list entries"),
        N_(
            "a black-list proposal names the credit records it rests on: the effective "
            "decisions establishing the conduct"
        ),
        N_("only an organisation records consents it obtained"),
        N_("only an organisation's staff or systems submit batches"),
        N_("only an organisation's staff submit records"),
        N_("your role may not read credit status"),
        N_("your role may not query credit files"),
        N_("your role may not read credit files"),
        N_("your role has no query permission"),
        N_(
            "only the recognising agency, the credit authority and the subject see an entry in full"
        ),
        N_("only a security officer of the organisation that supplied the record reviews it"),
        N_("the confidentiality review is confirmed by a named security officer, not a system"),
        N_("the proposer cannot approve their own proposal; a second officer must"),
        N_(
            "the proposer cannot decide an objection to their own proposal; another officer "
            "or an objection handler must"
        ),
        N_("you cannot deactivate your own account; another administrator can"),
        N_("this account is deactivated already"),
        N_("this is the last active platform administrator; create another first"),
        # reading credit files (Art. 13)
        N_(
            "non-public information needs the subject's written authorisation in force for "
            "your organisation, or a published query item naming your matter"
        ),
        N_("this query item is not one of your organisation's"),
        N_("this query item is not published, so it may not be used"),
        N_("the subject's authorisation does not cover its credit status (list status and grade)"),
        N_(
            "the subject's authorisation names no record type: it opens its credit status "
            "(list status and grade), not its credit file or a credit report"
        ),
        N_(
            "the written authorisation you named is not in force for your organisation from "
            "this subject (revoked, expired, or not given to it)"
        ),
        N_(
            "several written authorisations of this subject are in force for your "
            "organisation: name the one this read is for (its purpose)"
        ),
        N_("name a query item or a written authorisation, not both"),
        N_("choose one of the written authorisations listed"),
        N_(
            "no person with this ID number has a written authorisation in force for your "
            "organisation"
        ),
        N_("this organisation does not query credit files"),
        N_("choose a published query item, or the written authorisation"),
        N_("choose the administrative matter of this query"),
        N_("state the administrative matter of this query"),
        N_("not a lawful administrative matter: choose one, or state it under other"),
        N_("enter the citizen ID number"),
        N_("enter the unified social credit code"),
        N_("enter the verification code printed on the report"),
        N_("no report with this number was issued"),
        N_("no report with this number was issued to you"),
        N_("log in to open a report issued to you"),
        N_("log in to see the reports issued to you"),
        N_("this report was issued before reports were kept: it cannot be opened again"),
        # a report whose kept content was deleted (reports._GONE)
        N_(
            "the content of this report is no longer kept: a report is kept to be opened again "
            "only for a limited time after it is issued; its number and verification code "
            "still verify a copy"
        ),
        N_(
            "the content of this report was deleted when the written authorisation it was "
            "issued on ended"
        ),
        N_(
            "the content of this report was deleted with a record it may show, which was "
            "deleted after its retention period"
        ),
        N_(
            "the content of this report was deleted when a record it may show was revoked by "
            "its source"
        ),
        N_(
            "the content of this report was deleted when a record it may show was repaired: a "
            "repaired record is no longer shared"
        ),
        N_(
            "the content of this report was deleted when a record it may show was corrected "
            "after an objection; a new report shows the correction"
        ),
        N_(
            "the content of this report was deleted when a record it may show was withdrawn "
            "from publication after an objection: it should not have been public; a new report "
            "shows what may be shown"
        ),
        N_(
            "the content of this report was deleted when a record it may show was found wrong "
            "on an objection and, its source being deregistered, is no longer shared"
        ),
        N_("reports are issued to a subject about itself or to an organisation's queriers"),
        N_("as_of cannot be in the future"),
        # industry statistics' releases (Art. 28; decision 0055)
        N_("period must be a calendar month, YYYY-MM"),
        N_("a month is released once it has ended"),
        N_("this month is released already, or a later one is"),
        N_("no release of the industry statistics for this period"),
        N_("choose HTML or PDF"),
        # authorisations and consents
        N_("name the record types the organisation may read"),
        N_("state the purpose of the authorisation"),
        N_("the end date has passed"),
        N_("an authorisation lasts at most three years"),
        N_("a written authorisation needs its evidence: an upload or a signature in the page"),
        N_("choose the file of the signed authorisation"),
        N_("the file is empty"),
        N_("this comment was received already and waits for the recognising agency's decision"),
        # an evidence file checked by its content (``evidence_files``)
        N_("the evidence file is empty"),
        N_("the evidence file must be a PDF, PNG or JPEG document"),
        N_("the evidence file's content is not the type its name or Content-Type declares"),
        N_("the evidence of an upload is the file as base64, and this is not base64"),
        # a registration record naming a known person under another name (decision 0038)
        N_(
            "the legal representative's ID number is registered on the platform under another "
            "name; the row is held for review"
        ),
        # the working-day calendar (calendar_store, pages.working_days)
        N_("the arrangement lists no days"),
        N_("name the notice the arrangement comes from"),
        N_("enter the year as four digits"),
        N_("the file is larger than a year's arrangement"),
        N_("the file is larger than 1.5 MB"),
        N_("confirm the authorisation text and type your full name to sign it"),
        N_("type your full name as registered to sign"),
        N_("choose the kind of evidence"),
        N_("choose the organisation"),
        N_("choose an organisation"),
        N_("choose the agency"),
        N_("give the end date"),
        N_("consent is recorded for natural persons only"),
        N_(
            "enter the name on the signed consent: a person not on the platform yet is "
            "registered with it"
        ),
        N_(
            "the name is not the one registered with this ID number: check it against the "
            "signed consent"
        ),
        N_("name the person by its reference or by its ID number, not both"),
        N_("name the subject by its code or reference, or a person by its ID number, not both"),
        N_("a name has at most 200 characters"),
        N_("a consent recorded by the grantee must be written and carry its evidence"),
        N_("name at least one record type"),
        N_("notice of adverse consequences goes with a written consent"),
        N_("the consent would already have expired"),
        # subjects and lookups
        N_("no subject with this code"),
        N_("no person with this ID number"),
        N_("no organisation with this code"),
        N_("only organisations have responsible persons"),
        # records, batches and the catalog
        N_("choose the file to upload"),
        N_("this has been declared already"),
        N_("self-declarations are made by the subject itself"),
        N_("a credit commitment is made to a state organ or a public-function organisation"),
        N_("give the reason for the change (Art. 24)"),
        N_("this idempotency key was used for a different batch"),
        N_(
            "this idempotency key is of a form the platform keeps for its own batches: "
            "choose another"
        ),
        N_("only the row's source and the credit authority of its area review a held row"),
        N_("the organisation holds no such responsibility"),
        N_("the platform operator organisation is not set up"),
        N_("a revision must keep the record type's code"),
        N_("a district rule needs a Fuzhou district code (3501xx)"),
        N_("a district's rules are made by the district: its own credit authority writes them"),
        N_("a credit authority writes the rules of its own administrative area only"),
        N_("a credit authority on this platform is the city's or a Fuzhou district's (3501xx)"),
        N_(
            "a district's credit authority keeps the responsibilities of its own district's "
            "organisations only"
        ),
        N_("say why the rule changes: the note is kept with the version"),
        N_("the definition must be one JSON object"),
        N_("the file is neither UTF-8 nor GB18030 text"),
        N_("the file is too large (20 MiB at most)"),
        N_("a natural person needs a citizen ID number"),
        N_("an organisation needs its unified social credit code"),
        N_("the decision date is in the future"),
        N_("not a number"),
        N_("must be a non-negative number"),
        N_("an earlier row of this batch has the same key"),
        N_("the code is registered under another name; the row is held for review"),
        N_(
            "the value holds the NUL character (U+0000), which no field may hold; remove it "
            "from the file and submit the row again"
        ),
        N_("no consent of this person is on file for your organisation and this record type"),
        N_(
            "the text holds a citizen ID number, which is never published in clear: leave it "
            "out, or give it masked as the platform shows one (the first six and the last four "
            "digits, 350102********1234)"
        ),
        N_(
            "the text holds a citizen ID number, which the platform neither keeps nor shows in "
            "clear: leave it out, or give it masked as the platform shows one (the first six "
            "and the last four digits, 350102********1234)"
        ),
        N_(
            "only citizen ID numbers are accepted: the document type (证件类型) names another "
            "document; give 居民身份证 or leave it empty"
        ),
        N_("The file is empty: it has no header row."),
        N_("The workbook has no sheets."),
        N_("There are no records: the list is empty."),
        N_("The workbook is password-protected; remove the password."),
        N_("This is an Excel workbook, not CSV; upload it as .xlsx."),
        N_(
            "This is a binary file (an old .xls workbook?), not CSV text; save the sheet as "
            "“CSV UTF-8” or .xlsx."
        ),
        N_("The file is UTF-16 text (Excel's “Unicode text”); save it as “CSV UTF-8”."),
        N_("The file is neither UTF-8 nor GB18030/GBK text; save it as “CSV UTF-8”."),
        N_("the body is not valid JSON: it is empty"),
        # the confidentiality review (Art. 12)
        N_("this record is not awaiting a confidentiality review"),
        N_("give the reason for the redaction; it is kept as the reason of the new version"),
        N_("choose the fields to redact"),
        N_(
            "the note repeats content you are redacting; the note is shown in the record's "
            "history, so describe the reason without quoting it"
        ),
        # lists, objections and measures (Art. 14-18, 25)
        N_("this objection is decided already"),
        N_("this subject already has an open entry under this standard"),
        N_("this measure was applied to the subject in this matter today with these reasons"),
        N_("state your objection"),
        N_("state your comment"),
        N_("a decision states its reasons"),
        N_("an approval states its reasons"),
        N_("a rejection states its reasons"),
        N_("a removal states its reason"),
        N_("name the person"),
        N_("the objection window is closed"),
        N_("the public comment period has ended"),
        N_("an objection is still undecided"),
        N_("only a published entry can be removed"),
        # removal by hand, with four eyes (decision 0042)
        N_("a removal of this entry is proposed already and awaits a second officer"),
        N_("no such removal proposal"),
        N_(
            "who proposed a removal does not decide it; another officer of the recognising "
            "agency must (four eyes)"
        ),
        N_("this removal proposal is decided already"),
        N_("the entry is no longer on the list to be removed"),
        N_("the entry's term has ended: it leaves the list by its term, not by a removal"),
        N_(
            "the entry's term has ended: it leaves the list by its term, not by an early "
            "removal; return the proposal, or reject the application"
        ),
        N_("no red-list candidate in public comment with this number"),
        N_(
            "responsible persons are named only for an organisation proposed for the "
            "seriously dishonest tier"
        ),
        N_("name at least one subject"),
        N_("no grading model is loaded"),
        N_("this measure is not on the published measure list, so it may not be applied"),
        N_("state the reasons for applying it"),
        N_(
            "the list entry this measure would rest on is no longer in force: a measure is "
            "applied only while the subject is on the list"
        ),
        N_(
            "the entry naming this person as responsible is no longer in force: a measure "
            "reaches a responsible person only while the organisation is on the list"
        ),
        N_(
            "this person is no longer named as responsible on the organisation's entry: a "
            "measure reaches a responsible person only while the entry names them"
        ),
        # an organisation's registered responsible persons (Art. 18)
        N_("this person is registered in this capacity already"),
        N_("this registration has ended already"),
        N_("no such responsible person of this organisation"),
        N_("state why the registration ends"),
        N_("a registration cannot start on a day still to come"),
        N_("the registration would start before that of the person holding this capacity now"),
        N_("a registration cannot end on a day still to come"),
        N_("a registration cannot end before it started"),
        N_("the day the registration ends is required"),
        N_(
            "only the authority that registers organisations, responsible for their "
            "registration records, registers the persons answering for them"
        ),
        N_("this organisation is registered by another authority"),
        N_("the implementers are lists"),
        N_("the standards are a list"),
        N_("name kinds of organisation that implement measures"),
        N_("a named implementer is given by its unified social credit code"),
        N_("a measure names who implements it: kinds of organisation or named organisations"),
        N_("your organisation is not among those that implement this measure"),
        N_(
            "this organisation is registered by another authority: its register of "
            "responsible persons is read by that authority and the credit authority"
        ),
        N_("choose the capacity"),
        N_("enter the organisation's code"),
        N_("only a legal person or an unincorporated organisation has responsible persons"),
        N_("state the registration document the registration rests on"),
        N_(
            "this person is not on the platform yet: enter the name on the registration "
            "document to register the person with it"
        ),
        N_(
            "the name is not the one registered with this ID number: check it against the "
            "registration document"
        ),
        N_(
            "the name is not the one registered with this ID number: check both against the "
            "decision"
        ),
        N_(
            "your organisation implements no published measure in this administrative "
            "matter: a joint check answers only where it applies measures"
        ),
        N_("severity is 1–5"),
        N_("incentives are for red-list subjects"),
        N_("punishments are for black-list subjects"),
        N_("incentives do not reach responsible persons"),
        N_("a measure that reaches responsible persons states the legal basis for it"),
        N_("name the administrative matters it applies in"),
        # query items and supervision (Art. 13, 33)
        N_("a code has 3–64 letters, digits, dots, dashes or underscores"),
        N_("name the administrative matter"),
        N_("a query item states its legal basis"),
        N_("name the record types it may query"),
        # the statutory exception to the written authorisation (Art. 13 ¶3)
        N_(
            "only a law or an administrative regulation makes an exception to the written "
            "authorisation"
        ),
        N_("name the law or administrative regulation that makes the exception"),
        N_("name the article of the law or administrative regulation that makes the exception"),
        N_("a statute's title has at most 200 characters and its article at most 64"),
        N_(
            "a query item naming a record type that is not public states the law or "
            "administrative regulation, and its article, that lets the agency read it "
            "without the subject's written authorisation"
        ),
        N_(
            "this query item states no law or administrative regulation that lets you read "
            "its record types, which are not public about this subject, without the "
            "subject's written authorisation"
        ),
        N_("since is after until"),
        N_("give the reasons for the follow-up"),
        # lookups that found nothing
        N_("no such API key"),
        N_("no such user"),
        N_("no such batch"),
        N_("no such consent"),
        N_("no such credit commitment"),
        N_("no such access"),
        N_("no such authorisation"),
        N_("no such record"),
        N_("no such organisation"),
        N_("no such list entry"),
        N_("no such objection"),
        # identifiers (xinyong.identifiers), whole messages without values
        N_("Identifier is empty."),
        N_("Identifier is invalid."),
        N_("Citizen ID number character 18 must be a digit or X."),
        N_(
            "Citizen ID number cannot start with 0: the first six digits are an "
            "administrative division code."
        ),
        N_("Citizen ID number characters 7-14 are not a real calendar date (YYYYMMDD)."),
        N_("Citizen ID number has a birth date (characters 7-14) in the future."),
        N_(
            "Citizen ID number check character (position 18) does not match; look for a "
            "typing error anywhere in the number."
        ),
        # credit service institutions (Art. 26-27)
        N_("name the service the credit service institution provides to the subject"),
        N_(
            "a credit service institution may not make its service conditional on the subject's "
            "authorisation or consent to collect its information: confirm that it is not"
        ),
        N_("the service is longer than 200 characters"),
        N_("this credit service institution is not in the credit authority's register"),
        N_("this credit service institution is suspended in the register"),
        N_("this credit service institution is deregistered"),
        # the institution's own staff, outside the register (decision 0024 addendum)
        N_(
            "your institution is not in the credit authority's register of credit service "
            "institutions: it collects, queries and is shown no credit information"
        ),
        N_(
            "your institution is suspended in the register of credit service institutions: "
            "until it is reinstated it collects, queries and is shown no credit information"
        ),
        N_(
            "your institution is deregistered from the register of credit service "
            "institutions: it collects, queries and is shown no credit information"
        ),
        N_(
            "the record's source is a credit service institution outside the active "
            "register: the credit authority decides this objection itself"
        ),
        N_(
            "the institution has not filed this service with the register: name one of the "
            "services its register entry lists"
        ),
        N_("an institution with this code is already registered"),
        N_("an institution with this filing number is already registered"),
        N_(
            "a filing number cannot have the form of a unified social credit code: the "
            "register is searched by either"
        ),
        N_("this code is another entry's filing number in the register: check the code"),
        N_(
            "this code is a credit service institution's in the register: create it as a "
            "credit service institution"
        ),
        N_("only a financial institution reads credit status, to price risk"),
        N_(
            "a consent a credit service institution records needs the signed consent form "
            "uploaded: it carries the person's confirmation that the service is not "
            "conditional on the consent"
        ),
        N_("only a financial institution may be authorised to read credit status, to price risk"),
        N_("no registered credit service institution has this code or filing number"),
        N_("name at least one service the institution offers"),
        N_("the filing date is in the future"),
        N_(
            "the filing date is before 2013-03-15, when the 征信业管理条例 that filings rest "
            "on came into force"
        ),
        N_(
            "this code belongs to an organisation on the platform that is not a credit "
            "service institution"
        ),
        N_(
            "this code belongs to an organisation on the platform under another name; "
            "check the code and the name"
        ),
        N_("the date is in the future"),
        N_("the date is before the current status began"),
        N_("give the name"),
        N_("give the filing number"),
        N_("give the business scope"),
        N_("give the reason"),
        N_("give the filing date"),
        N_("choose the new status"),
        N_("a deregistered institution's entry is closed"),
        # typical cases of integrity publicity (Art. 32)
        N_("only the credit authority publishes typical cases"),
        N_("a case of this kind rests on a published red-list entry"),
        N_("a case of this kind rests on a published black-list entry"),
        N_("an integrity model rests on a red-list entry"),
        N_("an exposure of serious dishonesty rests on a black-list entry"),
        N_("only serious dishonesty is exposed: the entry is not on the serious tier"),
        N_("the list entry is not on the published list: a case may not outlast the listing"),
        N_("a credit-repair case rests on a repaired case"),
        N_("the repair case was not decided with the record repaired"),
        N_(
            "without the subject's consent to be named, the case may not name or identify it: "
            "a repaired record is no longer public"
        ),
        N_("a case of this kind rests on a list entry, not on a repair case"),
        N_("a credit-repair case rests on a repaired case, not on a list entry"),
        N_("a write-up of practice rests on no subject's entry or case"),
        N_("a consent to be named is recorded only for a credit-repair case"),
        N_("the drafter cannot publish their own draft; a second officer must"),
        N_("the case is already withdrawn"),
        N_("no such typical case"),
        N_("no such published typical case"),
        N_("give the title"),
        N_("give the narrative"),
        # the app's own refusals (xinyong.web.errors)
        N_("Not Found"),
        N_("Method Not Allowed"),
        N_("an unexpected error occurred"),
        # member registers and own business (Art. 10 ¶1, decision 0032)
        N_(
            "this field must name your organisation (by its name or its unified social credit "
            "code): a market body records only the credit information arising in its own "
            "business"
        ),
        N_(
            "the subject was not a member of your association on the record's date: an "
            "association records its members' credit information only, as their membership "
            "agreement provides; add the membership to your member register first"
        ),
        N_("only an industry association keeps a member register"),
        N_(
            "name the membership agreement: an association records its members' information "
            "as their agreement provides"
        ),
        N_("an association is not its own member"),
        N_("a membership cannot end before it begins"),
        N_(
            "this member's membership overlaps one already on the register; end that one "
            "first or change the dates"
        ),
        N_("no such membership"),
        N_("the code is registered under another name; check the code and the name"),
        N_("the membership's first day is required"),
        N_("the membership's last day is required"),
        N_("the file has no rows, only its header row"),
        N_("a membership is entered once it has begun: its first day cannot be after today"),
        N_("the file is not a CSV text file: it holds binary content"),
        N_("the codes are read from a CSV file only: save the sheet as CSV UTF-8"),
        # Written word for word, once shown in English beneath the code's explanation:
        # tests/test_i18n.py fails on such a message left out of this table.
        N_("a code is valid for at least a day"),
        N_(
            "a consent an organisation records names the record types it covers; consent to all types is given only by the person, on their own account"
        ),
        N_("a credit-repair case rests on a repair case, not on a list entry"),
        N_(
            "a subject account gets no password from an administrator: its subject sets one when activating it with the code issued"
        ),
        N_("acknowledge what being named means before consenting"),
        N_(
            "an objection that the record should not be public, or is past its publicity period, is answered by withdrawing it from publication, not by changing it"
        ),
        N_(
            "an objection that the record is published twice is answered by taking the duplicate out of use: corrected or withdrawn from publication only, it would still be shared and counted"
        ),
        N_(
            "only a record published twice is taken out of use on an objection; a wrong record is corrected, and one that should not be public is withdrawn from publication"
        ),
        N_("say which record this one duplicates (Art. 24)"),
        N_(
            "another request changed the same data at the same moment; nothing was saved: reload the page and send it again"
        ),
        N_("answer yes or no"),
        N_(
            "applications for credit repair are accepted or refused by the credit authority's objection handler (the 信用福州 channel)"
        ),
        N_(
            "approving or revoking a repair alters the record and its list entries: the source's case officers and data reporters do that, not its objection handlers, who alter no data (separate duties)"
        ),
        N_("choose the kind of case"),
        N_("give the day of performance"),
        N_("give the number"),
        N_("give the reason (Art. 24)"),
        N_("give the reasons"),
        N_("give the reasons for the decision"),
        N_("link a commitment or make a new one, not both"),
        N_("log in to apply"),
        N_("make the public credit commitment to apply"),
        N_("no repair case has this query code"),
        N_("no such application for early removal"),
        N_("no such joint check of your information"),
        N_("no such repair case"),
        N_("no such request for consent"),
        N_("nothing was changed: a correction changes the content"),
        N_(
            "objections to records are decided or forwarded by the credit authority's objection handler"
        ),
        N_("only a consent given can be withdrawn"),
        N_(
            "only a court judgment defaulter's entry leaves on a confirmed performance; other entries are removed early on the subject's application or by the agency"
        ),
        N_("only a record of dishonest conduct is repaired"),
        N_(
            "market credit information is not repaired here: a repair is decided by the state "
            "organ or public-function organisation that recognised the conduct, and the unit "
            "that supplied this record is not one; if the record is wrong, object to it"
        ),
        N_("only the credit authority and the record's source read a repair case"),
        N_("only the credit authority's objection handler and the record's source read a case"),
        N_(
            "only the recognising agency and the credit authority read an application for early removal"
        ),
        N_("only the record's source decides a forwarded objection or corrects the record"),
        N_("only the record's source decides its repair (Art. 20 ¶2)"),
        N_("only the subject of a credit-repair case is asked for its consent to be named"),
        N_("only the subject of a list entry may apply for its early removal"),
        N_("only the subject of a record may apply to repair it"),
        N_("only the subject of a record may object to it"),
        N_("say how the performance was confirmed (e.g. the court's closing notice)"),
        N_("say what is wrong with the record"),
        N_(
            "say what was checked: when the facts cannot be confirmed, the check is recorded with the objection"
        ),
        N_("say what was corrected and why (Art. 24)"),
        N_(
            "separate duties (four eyes): who proposed the decision on an early removal does not approve it; another staff member of the recognising agency must"
        ),
        N_("the account is deactivated"),
        N_("the account's credentials have changed since this token was issued; log in again"),
        N_('the body must be a JSON array of objects, or {"rows": [...]}'),
        N_("the case is withdrawn: there is nothing to consent to"),
        N_("the case was withdrawn: there is nothing to consent to"),
        N_("the credit authority has not forwarded this objection to your unit"),
        N_("the credit authority sees every repair case"),
        N_("the jurisdiction is an administrative division code of six digits (GB/T 2260)"),
        N_("the kept content of this report does not match its hash"),
        N_("the name has no letters or characters to read"),
        N_("the name holds control or invisible characters"),
        N_("the performance cannot be in the future"),
        N_("the recognising agency decides the early removal of its entries"),
        N_("the recognising court confirms the performance of its defaulters"),
        N_(
            "the repair case was not decided with the record repaired, or the record is no longer repaired"
        ),
        N_("the subject has already been asked for its consent to be named in this case"),
        N_(
            "the subject refused or withdrew its consent to be named in this case; it is not asked again"
        ),
        N_("the written authorisation this report was issued on was revoked or has expired"),
        N_("this activation code has expired; ask the credit authority for a new one"),
        N_("write the amount out in digits, without an exponent (e.g. 1500, not 1.5e3)"),
        N_("wrong username or activation code"),
        # staff activation, API key release, staff query permissions, the shipped rule pack
        N_("a staff member's query permissions are assigned by a person of the organisation"),
        N_("answer take (the shipped definition) or keep (the city's)"),
        N_("say why: the note is kept with the answer"),
        N_("this assignment was withdrawn already"),
        N_(
            "whoever created an account does not release its activation code; another administrator does"
        ),
        N_(
            "an activation code is released by an officer of the credit authority who checked the holder's identity"
        ),
        N_("this account is deactivated"),
        N_("this key's secret was released already; ask the administrator for a new key"),
        N_("the API key is revoked"),
        N_("the subject was registered by another request at the same moment; send it again"),
        N_("an API key does not log out; the platform administrator revokes it"),
        N_("your organisation's staff do not query by query items"),
        N_("your role does not query by query item"),
        N_(
            "this query item is not assigned to you; your organisation's security officer assigns query items to its staff"
        ),
        N_("no such assignment in your organisation"),
        N_(
            "this counter releases codes for staff accounts; a subject account's code is released at the subject accounts' counter"
        ),
        N_(
            "this counter releases codes for subject accounts; a staff account's code is released at the staff accounts' counter"
        ),
        N_("only a person's account has an account history"),
        N_("an API key's secret is released by a person, not by a system"),
        N_("an organisation's API keys are released by a person of the organisation"),
        N_("nobody releases the activation code of their own account; another officer does"),
        N_(
            "a staff member's query permissions are granted by another person of the organisation, never by himself"
        ),
        N_(
            "a staff account gets no password from an administrator: its holder sets one when activating it with the code a second person releases"
        ),
        N_("an administrator's activation code is released by another administrator"),
        N_("only a published query item in force is assigned"),
        N_("choose the query item"),
        N_("choose the staff member"),
        N_(
            "the shipped rule pack has changed since this answer was prepared: look at its changes again"
        ),
        N_("no staff member of your organisation has this username"),
        # what only a subject's own account does (``require_subject_account``)
        N_("only a subject account has notices"),
        N_("only a subject account has a grade"),
        N_("only a subject account has consents"),
        N_("only a subject account gives consent"),
        N_("only the listed subject applies for early removal"),
        N_("only the subject objects to its own candidacy"),
        N_("only the subject of a record applies to repair it"),
        N_("only a subject account applies for credit repair"),
        N_("only the subject of a record objects to it"),
        N_("only a subject account has objections"),
        N_("only a subject account objects to its records"),
        # a person's objection to its registered name (Art. 25; decision 0051)
        N_("only the person objects to its name through its account"),
        N_("this is the name you are registered under already"),
        N_("the objection needs the identity document stating the name, as evidence"),
        N_("the identity document of this decided objection was erased after its period"),
        N_(
            "an organisation's name follows the registration authority's record in force; "
            "only a natural person objects to its registered name here"
        ),
        N_("no person is registered with this ID number"),
        N_(
            "the person's registered name changed since the objection was raised; reject "
            "it with that reason, and the person objects again to the name it bears now"
        ),
        N_("only the subject's own account gives or refuses its consent to be named"),
        # quoted inside other refusals (``PART``): the checks of a credit repair (Art. 21-23)
        N_("a minor record can be repaired once the legal duties are met"),
        N_("the conduct was corrected and its bad effects are essentially removed; say how"),
        N_("a public credit commitment not to repeat the conduct was made"),
        N_("link a public credit commitment, or make one with the application"),
        N_("the commitment is not a credit commitment of yours"),
        N_(
            "this commitment was accepted by another unit: link one made to the unit that "
            "supplied the record, or make one with the application"
        ),
        N_("this commitment was breached: make a new one"),
        N_("the subject accepts the source's supervision, checks and integrity interviews"),
        N_("the penalty decision (or the obligation) was performed; give the evidence"),
        N_("records of this type are not repairable (the catalog names this case of Art. 22)"),
        N_("the record is under objection: the objection is decided first"),
        N_("an application to repair this record is already being handled"),
        N_("a repair of this subject ended for fraud"),
        N_("a seriously dishonest subject on the black list cannot repair its records here"),
        # the checks of an early removal from the black list (SAMR Order 44)
        N_("only an entry on the black list is removed early on application"),
        N_("only an entry published and in force can be removed early"),
        N_(
            "entries decided by a court leave on performance: the recognising court confirms "
            "the performance and the entry is removed within 3 working days"
        ),
        N_("entries of this standard leave by its exit conditions, not on application"),
        N_("the entry has not been listed yet"),
        N_("one application per entry at a time"),
        # why a field is not redacted (Art. 12)
        N_("it is not in the record type's current definition"),
        N_("it identifies the record"),
        N_("it identifies the subject"),
        N_("it dates the record"),
        N_("it decides whether and how long the record is public"),
        N_("it is not free text"),
        N_("it is required content of the publication; the catalog does not mark it redactable"),
        # a row of the State Council's arrangement of holidays
        N_("the range ends before it starts"),
        N_("the range is longer than a year"),
        # what is wrong with a JSON file, where
        N_("expected a member name after the list of rows"),
        N_("expected “:” after a member name"),
        N_("the file ends before the closing “}”"),
        N_("the body has “rows” twice"),
        N_("expected “,” or “]” after the previous record"),
        N_("expected “}” after the list of rows"),
        N_("there is text after the end of the list"),
        N_("the file ends before the closing “]”"),
        N_("it does not start with ["),
        N_("arrays or objects nested too deeply"),
    }
)

# --- 3. messages with values ------------------------------------------------------------------

# The values a message names in English and a page can name in its language.
_IDENTIFIER_KINDS = {
    "Unified social credit code": N_("Unified social credit code"),
    "Citizen ID number": N_("Citizen ID number"),
}
_RATE_LIMITED = {
    "login attempts": N_("login attempts"),
    "public comments from this address": N_("public comments from this address"),
}
_ACTIONS = {"approved": N_("approved"), "rejected": N_("rejected")}
_WINDOWS = {
    "objection window": N_("objection window"),
    "objection window after the written notice": N_("objection window after the written notice"),
    "public comment period": N_("public comment period"),
}

# What a proposal and a measure state, as the services name them.
_PROPOSAL_PARTS = {
    "criteria met": N_("criteria met"),
    "reasons": N_("reasons"),
    "evidence": N_("evidence"),
}
_MEASURE_PARTS = {
    "code": N_("code"),
    "name": N_("name"),
    "means": N_("means"),
    "implementing body": N_("implementing body"),
    "legal basis": N_("legal basis"),
}
# Art. 11 ¶3 and ¶2: what may never be collected, and what only with written consent
# (``catalog.definitions.PROHIBITED_TERMS``, ``RESTRICTED_TERMS``).
_CATEGORIES = {
    "religious belief": N_("religious belief"),
    "genes": N_("genes"),
    "fingerprints": N_("fingerprints"),
    "blood type": N_("blood type"),
    "disease and medical history": N_("disease and medical history"),
    "income": N_("income"),
    "deposits": N_("deposits"),
    "securities": N_("securities"),
    "commercial insurance": N_("commercial insurance"),
    "real estate": N_("real estate"),
    "tax amounts": N_("tax amounts"),
}
_SUBJECT_KINDS = {
    "natural person": N_("natural person"),
    "legal person": N_("legal person"),
    "unincorporated organisation": N_("unincorporated organisation"),
}
_READERS = {"this account": N_("this account"), "your organisation": N_("your organisation")}


@dataclass(frozen=True)
class _Pattern:
    """A message with values: its regular expression, its message id, and how each named
    group becomes a value of the translation (as it is, unless named in ``words``)."""

    code: str | None
    regex: re.Pattern[str]
    msgid: str
    words: Mapping[str, Callable[[str, Gettext], str]]

    def translate(self, match: re.Match[str], gettext: Gettext) -> str:
        values = {
            name: self.words[name](value, gettext) if name in self.words else value
            for name, value in match.groupdict().items()
        }
        said = gettext(self.msgid)
        if said == self.msgid:
            # English, whose article depends on the word put after it ("an enterprise").
            said = _A_BEFORE_VALUE.sub(lambda found: _with_article(found, values), said)
        return said % values


# "a %(kind)s" in an English message: the article is the value's (``texts.a``).
_A_BEFORE_VALUE = re.compile(r"\ba (%\((\w+)\)s)")


def _with_article(found: re.Match[str], values: Mapping[str, str]) -> str:
    value = values.get(found[2], "")
    return texts.a(value).removesuffix(value) + found[1]


def _from(table: Mapping[str, str]) -> Callable[[str, Gettext], str]:
    return lambda value, gettext: gettext(table[value]) if value in table else value


def _in_sentence(label: str, gettext: Gettext) -> str:
    """A label written to stand alone (a status, a role, a kind of organisation: "Under
    objection") said inside a sentence: translated as the catalog has it, and in English,
    where the label is its own translation, with its first letter in lower case, as the
    sentence reads ("the record is under objection now"). An abbreviation is kept."""
    said = gettext(label)
    if said == label and label[:1].isupper() and not label[1:2].isupper():
        return label[0].lower() + label[1:]
    return said


def _enum(value: str, gettext: Gettext) -> str:
    return _in_sentence(enum_label(value), gettext)


def _enums(value: str, gettext: Gettext) -> str:
    """A list of enumeration values, as the services join them (``a, b``)."""
    return gettext(_SEPARATOR).join(
        _in_sentence(enum_label(part), gettext) for part in value.split(", ")
    )


def _admitted(value: str, gettext: Gettext) -> str:
    """The organisations the catalog admits as submitters, or none."""
    return gettext(_NO_ORGANISATION) if value == _NO_ORGANISATION else _enums(value, gettext)


_NO_ORGANISATION = N_("no organisation")


def _stated(value: str, gettext: Gettext) -> str:
    """A problem the services word as one of ``STATED``'s messages."""
    return gettext(value) if value in STATED.values() else value


def _permission(value: str, gettext: Gettext) -> str:
    key = value.replace(" ", "_")
    return gettext(PERMISSION_LABELS[key]) if key in PERMISSION_LABELS else value


# What Python's json parser says is wrong with a definition (``json.JSONDecodeError.msg``,
# a fixed set of phrases).
_JSON_PROBLEMS = {
    "Expecting value": N_("a value is expected"),
    "Expecting property name enclosed in double quotes": N_(
        "a property name in double quotes is expected"
    ),
    "Expecting ',' delimiter": N_("a comma is expected"),
    "Expecting ':' delimiter": N_("a colon is expected"),
    "Extra data": N_("there is text after the end of the definition"),
    "Unexpected UTF-8 BOM (decode using utf-8-sig)": N_(
        "the definition starts with a byte order mark"
    ),
    "Unterminated string starting at": N_("a string is not closed"),
    "Invalid control character at": N_("a string holds a control character"),
    "Invalid \\escape": N_("a string holds an invalid escape"),
    "Invalid \\uXXXX escape": N_("a string holds an invalid \\u escape"),
}

# What a district's credit authority is refused outside its own area, or only the city
# keeps (``accounts.area``, decision 0046).
_AREA_THINGS = {
    "the organisation": N_("the organisation"),
    "the account's organisation": N_("the account's organisation"),
    "the querying organisation": N_("the querying organisation"),
    "the record's source": N_("the record's source"),
    "the entry's recognising agency": N_("the entry's recognising agency"),
    "the case's implementing body": N_("the case's implementing body"),
    "the organisation the case is about": N_("the organisation the case is about"),
    "the authority that registers the organisation": N_(
        "the authority that registers the organisation"
    ),
    "the measure list": N_("the measure list"),
    "the register of credit service institutions": N_(
        "the register of credit service institutions"
    ),
    "the working-day calendar": N_("the working-day calendar"),
    "a typical case of joint incentive and punishment in practice, about no organisation,": N_(
        "a typical case of joint incentive and punishment in practice, about no organisation,"
    ),
}

_KIND = "(?P<kind>Unified social credit code|Citizen ID number)"
_KINDS = {"kind": _from(_IDENTIFIER_KINDS)}


def _pattern(
    code: str | None,
    regex: str,
    msgid: str,
    words: Mapping[str, Callable[[str, Gettext], str]] | None = None,
) -> _Pattern:
    return _Pattern(code, re.compile(regex), msgid, words or {})


_PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")
# An escaped "a " right before a placeholder's group.
_ARTICLE = re.compile(r"\ba\\ (?=\(\?P)")


def _said(
    code: str | None,
    msgid: str,
    words: Mapping[str, Callable[[str, Gettext], str]] | None = None,
    /,
    **groups: str,
) -> _Pattern:
    """A message with values whose regular expression is its message id: each
    ``%(name)s`` matches what ``groups`` says, else any text, and a name used twice
    matches the same text again."""
    seen: set[str] = set()

    def group(match: re.Match[str]) -> str:
        name = match[1]
        if name in seen:
            return f"(?P={name})"
        seen.add(name)
        return f"(?P<{name}>{groups.get(name, '.+?')})"

    # The services put "an" before a value that takes it ("an enterprise cannot submit").
    regex = _ARTICLE.sub(r"an?\\ ", _PLACEHOLDER.sub(group, re.escape(msgid)))
    return _Pattern(code, re.compile(regex), msgid, words or {})


# The code of a message that is quoted inside another refusal's (a failed check, a row of a
# calendar, a parser's problem) and is never a refusal of its own.
PART = "part"


def _part(value: str, gettext: Gettext) -> str:
    """A message quoted inside another, translated as it would be alone (a word-for-word
    message, or a pattern of no code or of ``PART``); as it is otherwise."""
    if value in MESSAGES:
        return gettext(value)
    for pattern in PATTERNS:
        if pattern.code in (None, PART):
            match = pattern.regex.fullmatch(value)
            if match is not None:
                return pattern.translate(match, gettext)
    return value


def _listed(table: Mapping[str, str]) -> Callable[[str, Gettext], str]:
    """A list of values as the services join them (``a, b``), each said by ``table``."""

    def say(value: str, gettext: Gettext) -> str:
        parts = value.split(", ")
        if not any(part in table for part in parts):
            return value
        return gettext(_SEPARATOR).join(gettext(table.get(part, part)) for part in parts)

    return say


_SEPARATOR = N_(", ")


def _article(value: str, gettext: Gettext) -> str:
    """An article cited inside a message (``Art. 16``), as the page cites articles."""
    return cite(value, gettext, chinese=gettext("Art. %(article)s") != "Art. %(article)s")


def _record_status(value: str, gettext: Gettext) -> str:
    if value not in RECORD_STATUS_LABELS:
        return value
    return _in_sentence(RECORD_STATUS_LABELS[value], gettext)


# The stages of the cases the services refuse a step in, as a refusal names them.
_REPAIR_STATUSES = {
    "submitted": N_("submitted"),
    "accepted": N_("accepted for processing"),
    "not_accepted": N_("not accepted"),
    "approved": N_("approved (repaired)"),
    "rejected": N_("rejected (not repaired)"),
    "terminated": N_("terminated for fraud"),
    "revoked": N_("revoked for fraud"),
}
_REPAIR_ACTIONS = {
    "accept": N_("accept for processing"),
    "not_accept": N_("not accept"),
    "approve": N_("approve the repair"),
    "reject": N_("reject the repair"),
    "terminate": N_("terminate for fraud"),
    "revoke": N_("revoke the repair for fraud"),
}
_OBJECTION_STATUSES = {
    "received": N_("received"),
    "forwarded": N_("forwarded to the source"),
    "upheld": N_("upheld"),
    "corrected": N_("upheld and corrected"),
    "withdrawn": N_("upheld and withdrawn from publication"),
    "no_longer_used": N_("upheld, the record no longer used"),
    "rejected": N_("rejected (not upheld)"),
    "unconfirmed": N_("unconfirmed"),
}
_OBJECTION_ACTIONS = {
    "forward": N_("forward to the source"),
    "upheld": N_("uphold"),
    "rejected": N_("reject"),
    "unconfirmed": N_("find the facts unconfirmed"),
    "correct": N_("correct the record"),
    "withdraw": N_("withdraw the record from publication"),
    "stop_use": N_("stop using the record"),
}
_PARTIES = {
    "platform": N_("platform"),
    "source": N_("source"),
    "handler": N_("handler"),
    "handler_for_source": N_("handler standing in for the source"),
    "authority_for_deregistered_source": N_("credit authority for a deregistered source"),
}
_APPLICATION_STATUSES = {
    "submitted": N_("submitted"),
    "proposed": N_("proposed"),
    "approved": N_("approved (removed early)"),
    "rejected": N_("rejected (stays listed)"),
    "lapsed": N_("lapsed (the entry left the list otherwise)"),
}
_APPLICATION_STEPS = {"propose": N_("propose"), "decide": N_("decide")}
_INSTITUTION_STATUSES = {
    "active": N_("active"),
    "suspended": N_("suspended"),
    "deregistered": N_("deregistered"),
}
_CONSENT_STATUSES = {
    "requested": N_("requested"),
    "given": N_("given"),
    "refused": N_("refused"),
    "withdrawn": N_("withdrawn"),
}
_CASE_STATES = {"draft": N_("draft"), "published": N_("published"), "withdrawn": N_("withdrawn")}
_PACK_STATUSES = {
    "new": N_("new in the pack"),
    "current": N_("up to date"),
    "upgrade": N_("to be brought up to the pack"),
    "revised": N_("revised by the city"),
    "conflict": N_("changed in the city and by the pack"),
    "draft": N_("waiting for publication"),
}
_PACK_PARTS = {"matter": N_("matter"), "standard": N_("standard"), "measure": N_("measure")}
# The fields a message names in English words (``field.replace('_', ' ')``).
_FIELDS = {
    "document number": N_("document number"),
    "number": N_("number"),
    "reason": N_("reason"),
    "reasons": N_("reasons"),
    "filing number": N_("filing number"),
    "name": N_("name"),
    "business scope": N_("business scope"),
    "consent evidence": N_("consent evidence"),
    "title": N_("title"),
    "title en": N_("English title"),
    "narrative": N_("narrative"),
    "narrative en": N_("English narrative"),
    "obligations met": N_("obligations met"),
    "evidence": N_("evidence"),
}
_FIELD_NAMES = "|".join(re.escape(name) for name in _FIELDS)
_DAYS = {"since": N_("the first day"), "until": N_("the last day")}
_CALENDAR_COLUMNS = {
    "date": N_("date (日期)"),
    "kind": N_("kind (安排)"),
    "name": N_("name (名称)"),
}
# The choices a refusal lists as the services name them.
_OUTCOMES = {
    "upheld": N_("upheld"),
    "rejected": N_("rejected (not upheld)"),
    "unconfirmed": N_("unconfirmed"),
}
_FOLLOW_UPS = {
    "interview": N_("interview (约谈)"),
    "order_correction": N_("order to correct (责令改正)"),
    "warning": N_("warning (警告)"),
    "circulate_criticism": N_("circulated criticism (通报批评)"),
}
_GROUNDS = {str(ground): label for ground, label in OBJECTION_GROUND_LABELS.items()}
_JSON_KINDS = {
    "an object": N_("an object"),
    "a list": N_("a list"),
    "a string": N_("a string"),
    "null": N_("null"),
    "true/false": N_("true/false"),
    "a number": N_("a number"),
}
_UNITS = {"Record": N_("Record"), "Line": N_("Line")}


def _json_problem(value: str, gettext: Gettext) -> str:
    """What the JSON parser says (``_JSON_PROBLEMS``), or a problem said of its own."""
    return gettext(_JSON_PROBLEMS[value]) if value in _JSON_PROBLEMS else _part(value, gettext)


PATTERNS: tuple[_Pattern, ...] = (
    _pattern(
        "rate_limited",
        r"too many (?P<what>.+): at most (?P<limit>\d+) in (?P<window>\d+) seconds; "
        r"try again in (?P<retry>\d+) seconds",
        N_(
            "too many %(what)s: at most %(limit)s in %(window)s seconds; "
            "try again in %(retry)s seconds"
        ),
        {"what": _from(_RATE_LIMITED)},
    ),
    _pattern(
        "permission_denied",
        r"role (?P<role>\S+) may not (?P<permission>.+)",
        N_("the role %(role)s may not %(permission)s"),
        {"role": _enum, "permission": _permission},
    ),
    _pattern(
        "required",
        r"(?P<zh>.+) \((?P<en>.+)\) is required",
        N_("%(zh)s (%(en)s) is required"),
    ),
    _pattern("too_long", r"at most (?P<count>\d+) characters", N_("at most %(count)s characters")),
    _pattern(
        "before_filing",
        r"the performance cannot precede the case's filing on (?P<date>\d{4}-\d{2}-\d{2})",
        N_("the performance cannot precede the case's filing on %(date)s"),
    ),
    _pattern(
        "past_retention",
        r"kept (?P<years>\d+) years after the conduct ends, and the conduct this row records "
        r"ended longer ago than that: it may not be collected now",
        N_(
            "kept %(years)s years after the conduct ends, and the conduct this row records "
            "ended longer ago than that: it may not be collected now"
        ),
    ),
    _pattern(
        "extension_too_short",
        r"the term ends (?P<months>\d+) months after the decision date unless it is extended "
        r"by at least (?P<least>\d+) months, to (?P<total>\d+) months after it or later",
        N_(
            "the term ends %(months)s months after the decision date unless it is extended "
            "by at least %(least)s months, to %(total)s months after it or later"
        ),
    ),
    _pattern(
        "too_long",
        r"the note has at most (?P<count>\d+) characters",
        N_("the note has at most %(count)s characters"),
    ),
    _pattern(
        "too_long",
        r"the reasons have at most (?P<count>\d+) characters",
        N_("the reasons have at most %(count)s characters"),
    ),
    _pattern(
        "too_long",
        r"a comment is at most (?P<count>\d+) characters",
        N_("a comment is at most %(count)s characters"),
    ),
    _pattern(
        "too_long",
        r"an objection is at most (?P<count>\d+) characters",
        N_("an objection is at most %(count)s characters"),
    ),
    _pattern(
        "too_long",
        r"the reasons are at most (?P<count>\d+) characters",
        N_("the reasons are at most %(count)s characters"),
    ),
    _pattern(
        "too_long",
        r"what was checked is at most (?P<count>\d+) characters",
        N_("what was checked is at most %(count)s characters"),
    ),
    _pattern(
        "too_long",
        r"contact details are at most (?P<count>\d+) characters",
        N_("contact details are at most %(count)s characters"),
    ),
    _pattern(
        "password_too_short",
        r"a password needs at least (?P<count>\d+) characters",
        N_("a password needs at least %(count)s characters"),
    ),
    _pattern(
        "period_too_long",
        r"a period has at most (?P<count>\d+) days",
        N_("a period has at most %(count)s days"),
    ),
    _pattern(
        "too_many",
        r"at most (?P<count>[\d,]+) subjects in one call",
        N_("at most %(count)s subjects in one call"),
    ),
    _pattern(
        "too_large",
        r"a batch may be at most (?P<count>\d+) MiB; split the file",
        N_("a batch may be at most %(count)s MiB; split the file"),
    ),
    _pattern(
        "invalid_choice",
        r"must be one of: (?P<choices>.+)",
        N_("must be one of: %(choices)s"),
    ),
    _pattern(
        "window_open",
        r"the (?P<window>objection window after the written notice|objection window|public comment "
        r"period) runs until (?P<date>\S+)",
        N_("the %(window)s runs until %(date)s"),
        {"window": _from(_WINDOWS)},
    ),
    _pattern(
        "wrong_state",
        r"an entry that is (?P<status>\S+) cannot be (?P<action>approved|rejected)",
        N_("an entry that is %(status)s cannot be %(action)s"),
        {"status": _enum, "action": _from(_ACTIONS)},
    ),
    _pattern(
        "not_applicable",
        r"the subject is not on the list this measure targets \((?P<target>\S+)\)",
        N_("the subject is not on the list this measure targets (%(target)s)"),
        {"target": _enum},
    ),
    _pattern(
        "wrong_matter",
        r"this measure does not apply in the matter (?P<zh>.+?) \((?P<en>[^()]+)\)",
        N_("this measure does not apply in the matter %(zh)s (%(en)s)"),
    ),
    _pattern(
        "matter_mismatch",
        # The item's matter as its officer wrote it; its code is for the API's clients.
        r"name the administrative matter of this query item \((?:[^\s:()]+: )?(?P<matter>.+)\)",
        N_("name the administrative matter of this query item (%(matter)s)"),
    ),
    _pattern(
        "unknown_subject",
        r"no organisation with code (?P<code>\S+)",
        N_("no organisation with code %(code)s"),
    ),
    _pattern(None, r"no measure (?P<code>\S+)", N_("no measure %(code)s")),
    _pattern(None, r"no query item (?P<code>\S+)", N_("no query item %(code)s")),
    # accounts, organisations and API keys (the administrator's pages)
    _pattern(
        "role_not_allowed",
        r"an organisation of kind (?P<kind>\S+) cannot have role (?P<role>\S+)",
        N_("an organisation of kind %(kind)s cannot have the role %(role)s"),
        {"kind": _enum, "role": _enum},
    ),
    _pattern(
        "role_not_allowed",
        r"an API key of (?P<kind>\S+) cannot have role (?P<role>\S+)",
        N_("an API key of a %(kind)s cannot have the role %(role)s"),
        {"kind": _enum, "role": _enum},
    ),
    _pattern("duplicate", r"user (?P<name>.+) exists already", N_("user %(name)s exists already")),
    _pattern(
        "duplicate",
        r"organisation (?P<code>\S+) exists already",
        N_("organisation %(code)s exists already"),
    ),
    # the catalog (Art. 9, 11, 35)
    _pattern(
        "duplicate",
        r"record type (?P<code>.+) exists already",
        N_("record type %(code)s exists already"),
    ),
    _pattern(
        "unknown_record_type",
        r"no record type (?P<code>.+) in the catalog",
        N_("no record type %(code)s in the catalog"),
    ),
    _pattern(
        "prohibited_field",
        r"field (?P<field>.+) would collect (?P<category>.+), which may never be collected",
        N_("field %(field)s would collect %(category)s, which may never be collected"),
        {"category": _from(_CATEGORIES)},
    ),
    _pattern(
        "restricted_field_undeclared",
        r"field (?P<field>.+) holds (?P<category>.+) and must be declared restricted",
        N_("field %(field)s holds %(category)s and must be declared restricted"),
        {"category": _from(_CATEGORIES)},
    ),
    _pattern(
        "district_rule_loosens",
        r"(?P<problem>.+) \(Art\. 35 lets a district add to or tighten the city's rules only\)",
        N_("%(problem)s (Art. 35 lets a district add to or tighten the city's rules only)"),
        {"problem": _stated},
    ),
    _pattern(
        "invalid_json",
        r"the definition is not valid JSON: (?P<problem>.+) \(line (?P<line>\d+), "
        r"column (?P<column>\d+)\)",
        N_("the definition is not valid JSON: %(problem)s (line %(line)s, column %(column)s)"),
        {"problem": _from(_JSON_PROBLEMS)},
    ),
    # responsibilities, consents, files and rows (Art. 9-12)
    _pattern(
        "submitter_kind_not_allowed",
        r"an? (?P<kind>\S+) cannot submit (?P<zh>.+?) \((?P<en>[^()]+)\) records; the catalog "
        r"admits (?P<admitted>.+)",
        N_("a %(kind)s cannot submit %(zh)s (%(en)s) records; the catalog admits %(admitted)s"),
        {"kind": _enum, "admitted": _admitted},
    ),
    _pattern(
        "adverse_consequences_notice_required",
        r"(?P<types>.+) holds restricted information \(income, deposits, securities, "
        r"insurance, real estate or tax amounts\): consent to it must be written and given "
        r"after notice of the possible adverse consequences",
        N_(
            "%(types)s holds restricted information (income, deposits, securities, insurance, "
            "real estate or tax amounts): consent to it must be written and given after "
            "notice of the possible adverse consequences"
        ),
    ),
    _pattern(
        "no_known_columns",
        r"none of the file's columns is a field of (?P<zh>.+?) \((?P<en>[^()]+)\): expected "
        r"headers such as (?P<expected>.+)",
        N_(
            "none of the file's columns is a field of %(zh)s (%(en)s): expected headers such "
            "as %(expected)s"
        ),
    ),
    _pattern(
        "no_rows",
        r"the file has no rows, only its header row; it also lacks the required columns "
        r"(?P<missing>.+)",
        N_(
            "the file has no rows, only its header row; it also lacks the required columns "
            "%(missing)s"
        ),
    ),
    _pattern(
        None,  # the scan cannot read ``accounts.area.CODE``: matched by the words
        r"a district's credit authority acts in its own administrative area only: "
        r"(?P<what>.+) is another area's",
        N_(
            "a district's credit authority acts in its own administrative area only: "
            "%(what)s is another area's"
        ),
        {"what": _from(_AREA_THINGS)},
    ),
    _pattern(
        None,  # the scan cannot read ``accounts.area.CODE``: matched by the words
        r"(?P<what>.+) is kept for the whole city by the city's credit authority: a "
        r"district's credit authority acts in its own administrative area only",
        N_(
            "%(what)s is kept for the whole city by the city's credit authority: a district's "
            "credit authority acts in its own administrative area only"
        ),
        {"what": _from(_AREA_THINGS)},
    ),
    _pattern(
        "prohibited_content",
        r"column (?P<column>.+) carries (?P<category>.+), which may never be collected",
        N_("column %(column)s carries %(category)s, which may never be collected"),
        {"category": _from(_CATEGORIES)},
    ),
    # files the upload page cannot read (collection.readers): spreadsheets and CSV
    _pattern(
        "unsupported_format",
        r"Cannot read “(?P<file>.*)”: (?P<suffix>\.\w+) workbooks are not supported; save the "
        r"sheet as \.xlsx or as CSV UTF-8\.",
        N_(
            "Cannot read “%(file)s”: %(suffix)s workbooks are not supported; save the sheet as "
            ".xlsx or as CSV UTF-8."
        ),
    ),
    _pattern(
        "unsupported_format",
        r"Cannot read “(?P<file>.*)”: accepted formats are CSV \(\.csv\), Excel workbook "
        r"\(\.xlsx\), JSON Lines \(\.jsonl, \.ndjson\) or JSON \(\.json\)\.",
        N_(
            "Cannot read “%(file)s”: accepted formats are CSV (.csv), Excel workbook (.xlsx), "
            "JSON Lines (.jsonl, .ndjson) or JSON (.json)."
        ),
    ),
    _pattern(
        "duplicate_header",
        r"Row (?P<row>\d+): the header “(?P<name>.*)” appears in columns (?P<first>.+) and "
        r"(?P<second>.+); each column needs a header of its own\.",
        N_(
            "Row %(row)s: the header “%(name)s” appears in columns %(first)s and %(second)s; "
            "each column needs a header of its own."
        ),
    ),
    _pattern(
        "no_header",
        r"Row (?P<row>\d+): column (?P<column>.+) holds a value but has no header in row "
        r"(?P<header_row>\d+); name the column or delete it\.",
        N_(
            "Row %(row)s: column %(column)s holds a value but has no header in row "
            "%(header_row)s; name the column or delete it."
        ),
    ),
    _pattern(
        "too_many_columns",
        r"Row (?P<row>\d+): the header has (?P<count>\d+) columns; at most (?P<limit>\d+) are "
        r"accepted\.",
        N_("Row %(row)s: the header has %(count)s columns; at most %(limit)s are accepted."),
    ),
    _pattern(
        "too_many_columns",
        r"Row (?P<row>\d+) has values beyond column (?P<limit>\d+)\.",
        N_("Row %(row)s has values beyond column %(limit)s."),
    ),
    _pattern(
        "encoding",
        r"Row (?P<row>\d+) has bytes that are not valid (?P<encoding>\S+), the encoding of the "
        r"rest of the file; save the whole file as “CSV UTF-8”\.",
        N_(
            "Row %(row)s has bytes that are not valid %(encoding)s, the encoding of the rest of "
            "the file; save the whole file as “CSV UTF-8”."
        ),
    ),
    _pattern(
        "encoding",
        r"Row (?P<row>\d+) \(line (?P<line>\d+)\) has bytes that are not valid "
        r"(?P<encoding>\S+), the encoding of the rest of the file; save the whole file as "
        r"“CSV UTF-8”\.",
        N_(
            "Row %(row)s (line %(line)s) has bytes that are not valid %(encoding)s, the "
            "encoding of the rest of the file; save the whole file as “CSV UTF-8”."
        ),
    ),
    _pattern(
        "encoding",
        r"Row (?P<row>\d+), column (?P<column>[A-Z]+ \(\d+\)) has bytes that are not valid "
        r"(?P<encoding>\S+), the encoding of the rest of the file; save the whole file as "
        r"“CSV UTF-8”\.",
        N_(
            "Row %(row)s, column %(column)s has bytes that are not valid %(encoding)s, the "
            "encoding of the rest of the file; save the whole file as “CSV UTF-8”."
        ),
    ),
    _pattern(
        "encoding",
        r"Row (?P<row>\d+) \(line (?P<line>\d+)\), column (?P<column>[A-Z]+ \(\d+\)) has "
        r"bytes that are not valid (?P<encoding>\S+), the encoding of the rest of the file; "
        r"save the whole file as “CSV UTF-8”\.",
        N_(
            "Row %(row)s (line %(line)s), column %(column)s has bytes that are not valid "
            "%(encoding)s, the encoding of the rest of the file; save the whole file as "
            "“CSV UTF-8”."
        ),
    ),
    _pattern(
        "format",
        r"Row (?P<row>\d+) is not valid CSV \((?P<problem>.+)\); look for a stray double "
        r"quote: a field that starts with one must end with one, and quotes inside it are "
        r"doubled \(\"\"\)\.",
        N_(
            "Row %(row)s is not valid CSV (%(problem)s); look for a stray double quote: a field "
            'that starts with one must end with one, and quotes inside it are doubled ("").'
        ),
    ),
    _pattern(
        "format",
        r"The file is not a readable \.xlsx workbook: it may be damaged, or another kind of "
        r"file named \.xlsx; open it in Excel or WPS and save it again as \.xlsx\.",
        N_(
            "The file is not a readable .xlsx workbook: it may be damaged, or another kind of "
            "file named .xlsx; open it in Excel or WPS and save it again as .xlsx."
        ),
    ),
    _pattern(
        "format",
        r"The sheet “(?P<sheet>.*)” cannot be read; open the workbook in Excel or WPS and save "
        r"it again as \.xlsx\.",
        N_(
            "The sheet “%(sheet)s” cannot be read; open the workbook in Excel or WPS and save it "
            "again as .xlsx."
        ),
    ),
    _pattern(
        "far_cell",
        r"The cell (?P<cell>[A-Z]+\d+) lies far beyond the rest of the data: the sheet would "
        r"span (?P<rows>\d+) rows by (?P<columns>\d+) columns; delete the cells after the data "
        r"and save the workbook again\.",
        N_(
            "The cell %(cell)s lies far beyond the rest of the data: the sheet would span "
            "%(rows)s rows by %(columns)s columns; delete the cells after the data and save "
            "the workbook again."
        ),
    ),
    _pattern(
        "sheet_too_large",
        r"The sheet spans (?P<rows>\d+) rows by (?P<columns>\d+) columns, to cell "
        r"(?P<cell>[A-Z]+\d+); a workbook is read up to (?P<limit>\d+) cells: send the batch "
        r"as CSV UTF-8, or split it\.",
        N_(
            "The sheet spans %(rows)s rows by %(columns)s columns, to cell %(cell)s; a "
            "workbook is read up to %(limit)s cells: send the batch as CSV UTF-8, or split it."
        ),
    ),
    _pattern(
        "workbook_too_large",
        r"The workbook has more than (?P<limit>\d+) parts; save the data sheet alone as a new "
        r"\.xlsx workbook, or as CSV UTF-8\.",
        N_(
            "The workbook has more than %(limit)s parts; save the data sheet alone as a new "
            ".xlsx workbook, or as CSV UTF-8."
        ),
    ),
    _pattern(
        "workbook_too_large",
        r"The workbook unpacks to more than (?P<limit>\d+) MiB; send the batch as CSV UTF-8, "
        r"or split it\.",
        N_(
            "The workbook unpacks to more than %(limit)s MiB; send the batch as CSV UTF-8, or split it."
        ),
    ),
    _pattern(
        "workbook_too_large",
        r"The part “(?P<part>.*)” of the workbook unpacks to more than (?P<limit>\d+) MiB; "
        r"send the batch as CSV UTF-8, or split it\.",
        N_(
            "The part “%(part)s” of the workbook unpacks to more than %(limit)s MiB; send the "
            "batch as CSV UTF-8, or split it."
        ),
    ),
    _pattern(
        "workbook_too_large",
        r"The part “(?P<part>.*)” of the workbook unpacks to more than (?P<ratio>\d+) times its "
        r"packed size, which no spreadsheet program writes; open the workbook in Excel or WPS "
        r"and save it again as \.xlsx\.",
        N_(
            "The part “%(part)s” of the workbook unpacks to more than %(ratio)s times its "
            "packed size, which no spreadsheet program writes; open the workbook in Excel or "
            "WPS and save it again as .xlsx."
        ),
    ),
    _pattern(
        "format",
        r"The part “(?P<part>.*)” of the workbook is not well-formed XML; open the workbook in "
        r"Excel or WPS and save it again as \.xlsx\.",
        N_(
            "The part “%(part)s” of the workbook is not well-formed XML; open the workbook in "
            "Excel or WPS and save it again as .xlsx."
        ),
    ),
    _pattern(
        "format",
        r"The part “(?P<part>.*)” of the workbook declares a DTD, which no spreadsheet program "
        r"writes; open the workbook in Excel or WPS and save it again as \.xlsx\.",
        N_(
            "The part “%(part)s” of the workbook declares a DTD, which no spreadsheet program "
            "writes; open the workbook in Excel or WPS and save it again as .xlsx."
        ),
    ),
    _pattern(
        "format",
        r"The part “(?P<part>.*)” of the workbook names a cell “(?P<cell>.*)” that no "
        r"spreadsheet has; open the workbook in Excel or WPS and save it again as \.xlsx\.",
        N_(
            "The part “%(part)s” of the workbook names a cell “%(cell)s” that no spreadsheet "
            "has; open the workbook in Excel or WPS and save it again as .xlsx."
        ),
    ),
    _pattern(
        "empty",
        r"The first sheet “(?P<sheet>.*)” is empty; the data must be on the first sheet\.",
        N_("The first sheet “%(sheet)s” is empty; the data must be on the first sheet."),
    ),
    _pattern(
        "empty",
        r"The first sheet “(?P<sheet>.*)” has no header row\.",
        N_("The first sheet “%(sheet)s” has no header row."),
    ),
    _pattern(
        "written_consent_required",
        r"(?P<fields>.+) may be collected only with written consent after the person was "
        r"told of the possible adverse consequences",
        N_(
            "%(fields)s may be collected only with written consent after the person was told "
            "of the possible adverse consequences"
        ),
    ),
    # Both names, so that the Chinese page need not show the English one.
    _said(
        "subject_kind_not_allowed",
        N_("%(zh)s (%(en)s) records are not kept about a %(kind)s"),
        {"kind": _from(_SUBJECT_KINDS)},
        en=r"[^()]+",
    ),
    _pattern(
        "subject_kind_not_allowed",
        r"(?P<type>.+) records are not kept about an? (?P<kind>.+)",
        N_("%(type)s records are not kept about a %(kind)s"),
        {"kind": _from(_SUBJECT_KINDS)},
    ),
    # reading credit files (Art. 12, 13)
    _pattern(
        "bulk_read_limit",
        r"bulk reads are limited: (?P<who>this account|your organisation) made (?P<limit>\d+) "
        r"reads of credit files in the last hour; wait, or ask the credit authority to raise "
        r"the limit for a documented case",
        N_(
            "bulk reads are limited: %(who)s made %(limit)s reads of credit files in the last "
            "hour; wait, or ask the credit authority to raise the limit for a documented case"
        ),
        {"who": _from(_READERS)},
    ),
    # lists, objections and measures (Art. 14-18, 25)
    _pattern(
        "on_black_list",
        r"the subject is on the black list \((?P<standard>.+), until (?P<until>\S+)\): a "
        r"subject on the black list is no integrity model and cannot be recognised under "
        r"(?P<red>.+)",
        N_(
            "the subject is on the black list (%(standard)s, until %(until)s): a subject on "
            "the black list is no integrity model and cannot be recognised under %(red)s"
        ),
    ),
    _pattern(
        "incentive_on_black_list",
        r"the subject is on the black list \((?P<standard>.+), until (?P<until>\S+)\): "
        r"incentive measures are for trustworthy subjects only, and a subject on the black "
        r"list is no integrity model",
        N_(
            "the subject is on the black list (%(standard)s, until %(until)s): incentive "
            "measures are for trustworthy subjects only, and a subject on the black list is no "
            "integrity model"
        ),
    ),
    _pattern(
        "red_standard_not_met",
        r"the subject no longer meets (?P<standard>.+): it has a bad credit record within "
        r"the last (?P<years>\d+) years, and incentive measures are for trustworthy subjects "
        r"only",
        N_(
            "the subject no longer meets %(standard)s: it has a bad credit record within the "
            "last %(years)s years, and incentive measures are for trustworthy subjects only"
        ),
    ),
    _pattern(
        "bad_record",
        r"the subject has a bad credit record within the last (?P<years>\d+) years "
        r"\((?P<type>.+), decided on (?P<date>\S+)\); (?P<standard>.+) requires none",
        N_(
            "the subject has a bad credit record within the last %(years)s years (%(type)s, "
            "decided on %(date)s); %(standard)s requires none"
        ),
    ),
    _pattern(
        "too_recent",
        r"the subject has not been on record for (?P<years>\d+) years \(since its "
        r"establishment, else its first public record or its registration on the platform\): "
        r"there are not \d+ years to show no bad credit record; (?P<standard>.+) requires them",
        N_(
            "the subject has not been on record for %(years)s years (since its establishment, "
            "else its first public record or its registration on the platform): there are not "
            "%(years)s years to show no bad credit record; %(standard)s requires them"
        ),
    ),
    _pattern(
        "required",
        r"a proposal states its (?P<part>.+)",
        N_("a proposal states its %(part)s"),
        {"part": _from(_PROPOSAL_PARTS)},
    ),
    _pattern(
        "objection_pending",
        r"your objection of (?P<date>\S+) to this notice is still undecided; you are told its "
        r"decision and reasons here, and may object again afterwards",
        N_(
            "your objection of %(date)s to this notice is still undecided; you are told its "
            "decision and reasons here, and may object again afterwards"
        ),
    ),
    _pattern(
        "required",
        r"a measure states its (?P<part>.+)",
        N_("a measure states its %(part)s"),
        {"part": _from(_MEASURE_PARTS)},
    ),
    _pattern(
        "invalid_head",
        r"(?P<article>Art\. \d+) has no item \((?P<head>\d+)\)",
        N_("%(article)s has no item (%(head)s)"),
        {"article": _article},
    ),
    _pattern(
        "disproportionate",
        r"a measure of severity (?P<severity>\d+) is heavier than the (?P<tier>\S+) tier allows "
        r"\(at most (?P<limit>\d+)\); measures must fit the nature, circumstances and impact "
        r"of the conduct",
        N_(
            "a measure of severity %(severity)s is heavier than the %(tier)s tier allows (at "
            "most %(limit)s); measures must fit the nature, circumstances and impact of the "
            "conduct"
        ),
        {"tier": _enum},
    ),
    _pattern(
        "duplicate",
        r"measure (?P<code>\S+) exists already",
        N_("measure %(code)s exists already"),
    ),
    _pattern(
        "duplicate",
        r"query item (?P<code>\S+) exists already",
        N_("query item %(code)s exists already"),
    ),
    # what FastAPI refuses before a handler runs (``web.errors.validation_body``): the field
    # as the form names it, then pydantic's own words for the commonest problems
    _pattern(
        "invalid_request",
        r"(?P<field>[\w.]+): String should have at most (?P<limit>\d+) characters?",
        N_("%(field)s: at most %(limit)s characters"),
    ),
    _pattern(
        "invalid_request",
        # How pydantic words it when the field reads line breaks as one first.
        r"(?P<field>[\w.]+): Value should have at most (?P<limit>\d+) items after "
        r"validation, not \d+",
        N_("%(field)s: at most %(limit)s characters"),
    ),
    _pattern(
        "invalid_request",
        r"(?P<field>[\w.]+): Field required",
        N_("%(field)s: required"),
    ),
    # identifiers (xinyong.identifiers): the kind, then what is wrong
    _pattern("empty", _KIND + r" is empty\.", N_("%(kind)s is empty."), _KINDS),
    _pattern(
        "length",
        _KIND + r" must be (?P<length>\d+) characters long \(got (?P<got>\d+)\)\.",
        N_("%(kind)s must be %(length)s characters long (got %(got)s)."),
        _KINDS,
    ),
    _pattern(
        "charset",
        _KIND + r" character (?P<position>\d+) \((?P<char>'.+')\) is not allowed: codes use "
        r"only digits and the letters (?P<letters>[A-Z]+) \(never I, O, S, V or Z\)\.",
        N_(
            "%(kind)s character %(position)s (%(char)s) is not allowed: codes use only digits "
            "and the letters %(letters)s (never I, O, S, V or Z)."
        ),
        _KINDS,
    ),
    _pattern(
        "charset",
        _KIND + r" character (?P<position>\d+) must be a digit\.",
        N_("%(kind)s character %(position)s must be a digit."),
        _KINDS,
    ),
    _pattern(
        "birth_date",
        _KIND + r" has a birth date \(characters 7-14\) before (?P<date>\S+)\.",
        N_("%(kind)s has a birth date (characters 7-14) before %(date)s."),
        _KINDS,
    ),
    _pattern(
        "check_character",
        _KIND + r" check character \(position 18\) should be (?P<char>'.') for the first 17 "
        r"characters; look for a typing error anywhere in the code\.",
        N_(
            "%(kind)s check character (position 18) should be %(char)s for the first 17 "
            "characters; look for a typing error anywhere in the code."
        ),
        _KINDS,
    ),
    _pattern(
        "organisation_code_check",
        _KIND + r" position 17 should be (?P<char>'.') by the GB 11714 organisation-code check "
        r"over positions 9-16; a code issued with this defect may be registered only with an "
        r"officer override\.",
        N_(
            "%(kind)s position 17 should be %(char)s by the GB 11714 organisation-code check "
            "over positions 9-16; a code issued with this defect may be registered only with "
            "an officer override."
        ),
        _KINDS,
    ),
    _pattern(
        "already_ended",
        r"the membership ends on (?P<date>\d{4}-\d{2}-\d{2}) already",
        N_("the membership ends on %(date)s already"),
    ),
    # --- refusals with values found by tests/test_refusal_messages.py ---------------------
    # accounts and organisations
    _said(
        "key_role_required",
        N_("a key acting as %(role)s is released by a staff member who holds that role"),
        {"role": _enum},
    ),
    _said("unknown_organisation", N_("no organisation with code %(code)s")),
    _said("not_found", N_("no user %(name)s")),
    _said(
        "not_query_staff",
        N_("a %(role)s does not query by query item"),
        {"role": _enum},
        role=r"\S+",
    ),
    _said("already_assigned", N_("%(username)s holds %(item)s already"), username=r"\S+"),
    _said(
        "not_a_querier",
        N_("an organisation of kind %(kind)s does not query by query items"),
        {"kind": _enum},
    ),
    _said("not_published", N_("query item %(code)s was never published")),
    _said("not_published", N_("measure %(code)s was never published, so it was never applied")),
    _said(
        "no_implementer",
        N_("measure %(code)s does not name who implements it, so it cannot be published"),
    ),
    _said("duplicate", N_("a subject with code %(code)s exists already")),
    _said(
        "duplicate",
        N_("the same authorisation (%(number)s) is in force already"),
        number=r"\d+",
    ),
    _said("too_long", N_("a basis is at most %(count)s characters"), count=r"\d+"),
    _said("too_long", N_("a reason is at most %(count)s characters"), count=r"\d+"),
    _said("too_long", N_("a name has at most %(count)s characters"), count=r"\d+"),
    _said("too_long", N_("a signal key has at most %(count)s characters"), count=r"\d+"),
    _said(
        "too_long",
        N_("at most %(count)s services of at most %(length)s characters each"),
        count=r"\d+",
        length=r"\d+",
    ),
    _said(
        "too_long",
        N_("the %(field)s is longer than %(count)s characters"),
        {"field": _from(_FIELDS)},
        field=_FIELD_NAMES,
        count=r"\d+",
    ),
    _said("required", N_("give the %(field)s"), {"field": _from(_FIELDS)}, field=_FIELD_NAMES),
    _said("required", N_("state the %(field)s"), {"field": _from(_FIELDS)}, field=_FIELD_NAMES),
    _said(
        "nul_character",
        N_("%(field)s contains the NUL character (U+0000), which no field may hold"),
    ),
    # working days: the State Council's arrangement of holidays (calendar_store)
    _said("too_long", N_("the source is longer than %(count)s characters"), count=r"\d+"),
    _said("too_many_days", N_("more than %(count)s days"), count=r"\d+"),
    _said(
        "no_holidays", N_("the arrangement for %(year)s has no holiday on a weekday"), year=r"\d+"
    ),
    _said("wrong_year", N_("%(day)s is not in %(year)s"), day=r"\S+", year=r"\d+"),
    _said("duplicate_day", N_("%(day)s is listed twice"), day=r"\S+"),
    _said("required", N_("%(day)s: name the holiday (e.g. 春节)"), day=r"\S+"),
    _said(
        "too_long",
        N_("%(day)s: the name is longer than %(count)s characters"),
        day=r"\S+",
        count=r"\d+",
    ),
    _said(
        "year_out_of_range",
        N_(
            "%(year)s is not a year whose arrangement can be entered: from %(first)s to "
            "%(last)s (the State Council announces a year in the year before)"
        ),
    ),
    _said(
        "missing_column",
        N_(
            "the header needs the columns date, kind and name (日期, 安排, 名称); missing: %(missing)s"
        ),
        {"missing": _listed(_CALENDAR_COLUMNS)},
    ),
    _said(None, N_("row %(row)s: %(problem)s"), {"problem": _part}, row=r"\d+"),
    _said(PART, N_("%(value)s is not a date")),
    _said(PART, N_("%(value)s is neither holiday (放假) nor working_day (上班)")),
    # the catalog and the rule packs (Art. 9, 11, 35)
    _said("unknown_record_type", N_("record type %(code)s has no rules yet")),
    _said("invalid_definition", N_("record type definition is invalid: %(problem)s")),
    _said("not_in_rule_pack", N_("the rule pack %(pack)s has no record type %(code)s")),
    _said(
        "not_in_rule_pack",
        N_("the rule pack %(pack)s has no %(part)s %(code)s"),
        {"part": _from(_PACK_PARTS)},
        part=r"matter|standard|measure",
    ),
    _said(
        "no_rule_pack_change",
        N_("the city's rule for %(code)s has no pack change waiting (%(status)s)"),
        {"status": _from(_PACK_STATUSES)},
        status=r"\w+",
    ),
    _said(
        "no_rule_pack_change",
        N_("the city's %(part)s %(code)s has no pack change waiting (%(status)s)"),
        {"part": _from(_PACK_PARTS), "status": _from(_PACK_STATUSES)},
        part=r"matter|standard|measure",
        status=r"\w+",
    ),
    _said(None, N_("no administrative matter %(code)s")),
    _said(None, N_("no recognition standard %(code)s")),
    _said(
        "wrong_target",
        N_("the standard %(standard)s is not of the measure's target (%(target)s)"),
        {"target": _enum},
        target=r"\w+",
    ),
    _said(
        "standard_not_covered",
        N_(
            "this measure applies only to subjects listed under %(standards)s: its legal basis "
            "does not cover the listing of this subject, and a measure may not go beyond its "
            "legal conditions"
        ),
    ),
    # collection, consents and rows (Art. 9-12)
    _said(
        "consent_outside_responsibility",
        N_(
            "%(types)s is not on the organisation's responsibility list: it records consent "
            "only to the record types it submits"
        ),
    ),
    _said(
        "submitter_kind_not_allowed",
        N_("a %(kind)s may not submit %(zh)s (%(en)s) records"),
        {"kind": _enum},
        kind=r"\S+",
        en=r"[^()]+",
    ),
    _said(
        "not_responsible",
        N_("%(zh)s (%(en)s) is not on this organisation's responsibility list"),
        en=r"[^()]+",
    ),
    _said(
        "invalid_choice",
        N_("status must be one of %(choices)s"),
        {"choices": _listed(CHOICE_LABELS)},
    ),
    _said(
        "invalid_choice",
        N_("ground must be one of %(choices)s"),
        {"choices": _listed({**REVOCATION_GROUNDS, **REINSTATEMENT_GROUNDS})},
    ),
    # A list entry's basis records (``lists.entry_basis``, decision 0043).
    _said("too_many", N_("a proposal names at most %(count)s records"), count=r"\d+"),
    _said("unknown_record", N_("no credit record %(number)s"), number=r"-?\d+"),
    _said(
        "basis_of_another_subject",
        N_("record %(number)s is about another subject"),
        number=r"\d+",
    ),
    _said(
        "basis_not_readable",
        N_("record %(number)s is neither public nor your organisation's"),
        number=r"\d+",
    ),
    _said(
        "basis_not_in_force",
        N_(
            "record %(number)s is %(status)s or past its publicity: a listing rests on "
            "records in force"
        ),
        {"status": _record_status},
        number=r"\d+",
    ),
    _said(
        "basis_wrong_polarity",
        N_(
            "record %(number)s is not negative information: a black-list entry rests on "
            "negative records"
        ),
        number=r"\d+",
    ),
    _said(
        "basis_wrong_polarity",
        N_(
            "record %(number)s is not positive information: a red-list entry rests on "
            "positive records"
        ),
        number=r"\d+",
    ),
    _said(
        "type_in_use",
        N_(
            "%(count)s records of this type are stored as its rule in force describes them: "
            "what they are stays while they are; make a new record type"
        ),
        count=r"\d+",
    ),
    _said(
        "natural_key_in_use",
        N_(
            "%(count)s records of this type are stored under the fields that identify them "
            "now: a type's natural key stays while it has records; make a new record type"
        ),
        count=r"\d+",
    ),
    _said(
        "record_not_revocable",
        N_("a record that is %(status)s can no longer be revoked"),
        {"status": _record_status},
    ),
    _said(
        "not_revoked",
        N_("only a revoked record is reinstated; this one is %(status)s"),
        {"status": _record_status},
    ),
    _said(
        "out_of_use_on_objection",
        N_(
            "the record was taken out of use on objection %(number)s, upheld; a "
            "reinstatement undoes a revocation, not an objection's outcome"
        ),
        number=r"\d+",
    ),
    _said(
        "before_decision_date",
        N_(
            "%(en)s (%(zh)s) is before %(start_en)s (%(start_zh)s): the end of a period "
            "cannot come before its start"
        ),
        en=r"[^()]+",
        start_en=r"[^()]+",
    ),
    _said(
        "prohibited_content",
        N_(
            "%(en)s (%(zh)s) names %(category)s, which may never be collected about a natural "
            "person: remove it from the text and submit the row again"
        ),
        {"category": _from(_CATEGORIES)},
        en=r"[^()]+",
    ),
    # A text the public or a subject submits (``submitted_text``).
    _said(
        "prohibited_content",
        N_(
            "the text names %(category)s, which may never be collected about a natural "
            "person: leave it out"
        ),
        {"category": _from(_CATEGORIES)},
    ),
    _said(
        "before_start_date",
        N_(
            "%(en)s (%(zh)s) is before %(start_en)s (%(start_zh)s): the end of a period "
            "cannot come before its start"
        ),
        en=r"[^()]+",
        start_en=r"[^()]+",
    ),
    _said(
        "formula_without_value",
        N_(
            "the cell in column %(column)s holds a formula whose result the workbook does not "
            "keep (it was saved by a program that does not calculate); open the file in Excel "
            "or WPS and save it again, or paste the values instead of the formula"
        ),
    ),
    _said("out_of_range", N_("must be less than %(limit)s in the field's unit")),
    _said("too_many_decimals", N_("at most %(count)s decimal places"), count=r"\d+"),
    _said(
        "out_of_range",
        N_("the date is before %(date)s, the earliest the platform keeps"),
        date=r"\S+",
    ),
    _said(
        "out_of_range",
        N_("%(field)s is a day from %(first)s to %(last)s"),
        {"field": _from(_DAYS)},
        field=r"since|until",
    ),
    _said("out_of_range", N_("limit is from 1 to %(count)s"), count=r"\d+"),
    # the credit authority's list of consents and authorisations (Art. 33)
    _said("invalid_choice", N_("kind is consent or authorisation")),
    _said("invalid_choice", N_("status is active, revoked or expired")),
    # the supervision page's filters, refused with the API's code (its request validation's)
    _said("invalid_request", N_("choose one of the values offered")),
    _said("out_of_range", N_("offset is from 0 to %(count)s"), count=r"\d+"),
    # the confidentiality review (Art. 12)
    _said("field_not_in_record", N_("the record has no field %(field)s to redact")),
    _said(
        "not_redactable",
        N_("%(label)s (%(name)s) cannot be redacted: %(why)s"),
        {"why": _part},
        name=r"[^()]+",
    ),
    # supervision (Art. 33)
    _said(
        "invalid_choice",
        N_("kind is one of %(choices)s"),
        {"choices": _listed(_FOLLOW_UPS)},
    ),
    # credit service institutions (Art. 26)
    _said(
        "status_transition",
        N_("a %(status)s institution cannot become %(new)s"),
        {"status": _from(_INSTITUTION_STATUSES), "new": _from(_INSTITUTION_STATUSES)},
        status=r"\w+",
    ),
    # lists, measures and the entries' procedures (Art. 14-19)
    _said(
        "wrong_matter",
        N_("this measure does not apply in the matter %(code)s"),
        code=r"\S+",
    ),
    _said(
        "wrong_state",
        N_("the entry is %(status)s, no longer on the list"),
        {"status": _enum},
        status=r"\w+",
    ),
    _said(
        "entry_not_listed",
        N_(
            "the entry is %(status)s now: it is no longer on the list to be removed; return "
            "the proposal, or reject the application"
        ),
        {"status": _enum},
        status=r"\w+",
    ),
    _said(
        "entered_from_records",
        N_("%(standard)s entries come from the %(type)s records of the deciding body"),
    ),
    _said(
        "object_to_court",
        N_(
            "a court judgment defaulter is listed by the court's decision, which the platform "
            "does not decide: apply to %(court)s for its correction; the entry leaves the list "
            "when the court revokes its record or confirms the performance"
        ),
    ),
    _said(
        None,
        N_(
            "a subject objects to a black-list candidacy within its objection window, or to "
            "its black-list entry while it is on the list; this entry is %(status)s"
        ),
        {"status": _enum},
        status=r"\w+",
    ),
    _said(
        "reason_of_another_procedure",
        N_(
            "an entry is removed as %(reason)s only through that procedure, with its checks: "
            "choose exit_conditions_met or other"
        ),
        {"reason": _enum},
        reason=r"\w+",
    ),
    _said(
        "invalid_choice",
        N_("the capacity must be one of %(choices)s"),
        {"choices": _listed(ENUM_LABELS)},
    ),
    _said("invalid", N_("a measure needs kind, head, target and severity: %(problem)s")),
    _said(
        "wrong_stage",
        N_("an application that is %(status)s cannot be given '%(step)s'"),
        {"status": _from(_APPLICATION_STATUSES), "step": _from(_APPLICATION_STEPS)},
        status=r"\w+",
    ),
    _said("not_eligible", N_("not eligible for early removal: %(check)s"), {"check": _part}),
    _said(
        None,
        N_(
            "an application can be made from %(date)s, %(months)s months after listing, once "
            "the obligations are met"
        ),
        date=r"\S+",
        months=r"\d+",
    ),
    _said(
        None,
        N_("one application per entry at a time: the one of %(date)s is being decided"),
        date=r"\S+",
    ),
    # typical cases and the subject's consent to be named (Art. 19, decision 0030)
    _said(
        "wrong_state",
        N_("a case that is %(state)s cannot be published"),
        {"state": _from(_CASE_STATES)},
        state=r"\w+",
    ),
    _said(
        "consent_answered",
        N_("this request was answered already (%(status)s)"),
        {"status": _from(_CONSENT_STATUSES)},
        status=r"\w+",
    ),
    # objections to credit records (Art. 25)
    _said(
        "objection_closed",
        N_("this objection is closed (%(status)s)"),
        {"status": _from(_OBJECTION_STATUSES)},
        status=r"\w+",
    ),
    _said(
        "wrong_stage",
        N_("an objection that is %(status)s cannot be given '%(action)s' by the %(who)s"),
        {
            "status": _from(_OBJECTION_STATUSES),
            "action": _from(_OBJECTION_ACTIONS),
            "who": _from(_PARTIES),
        },
        status=r"\w+",
        action=r"\w+",
        who=r"\w+",
    ),
    _said(
        "objection_pending",
        N_(
            "your objection %(number)s to this record is still being handled; you may "
            "object again once it is decided"
        ),
        number=r"\d+",
    ),
    _said(
        "name_objection_pending",
        N_(
            "the objection %(number)s to this name is still being decided; object again "
            "once it is decided"
        ),
        number=r"\d+",
    ),
    _said(
        "record_not_objectionable",
        N_("a record that is %(status)s is no longer used and cannot be objected to"),
        {"status": _record_status},
        status=r"\w+",
    ),
    _said(
        "invalid_choice",
        N_("decide one of: %(choices)s"),
        {"choices": _listed(_OUTCOMES)},
    ),
    _said(
        "invalid_choice",
        N_("choose a ground: %(choices)s"),
        {"choices": _listed(_GROUNDS)},
    ),
    _said("unknown_field", N_("the record type has no field %(field)s")),
    _said(
        "not_correctable",
        N_(
            "%(field)s says who or which record this is and cannot be corrected; revoke the "
            "record and submit the right one instead"
        ),
    ),
    # credit repair (Art. 20-23)
    _said(
        "repair_closed",
        N_("this repair case is closed (%(status)s)"),
        {"status": _from(_REPAIR_STATUSES)},
        status=r"\w+",
    ),
    _said(
        "wrong_stage",
        N_("a repair case that is %(status)s cannot be given '%(action)s' by the %(who)s"),
        {
            "status": _from(_REPAIR_STATUSES),
            "action": _from(_REPAIR_ACTIONS),
            "who": _from(_PARTIES),
        },
        status=r"\w+",
        action=r"\w+",
        who=r"\w+",
    ),
    _said(
        "repair_condition_unmet",
        N_("a condition of repair is not met: %(condition)s"),
        {"condition": _part},
    ),
    _said("not_repairable", N_("not repairable: %(exclusion)s"), {"exclusion": _part}),
    _said(
        "record_not_repairable",
        N_("a record that is %(status)s is no longer used and needs no repair"),
        {"status": _record_status},
        status=r"\w+",
    ),
    _said(
        "not_repairable",
        N_("the record is %(status)s now and cannot be repaired until that is settled"),
        {"status": _record_status},
        status=r"\w+",
    ),
    _said("invalid_choice", N_("unknown declaration: %(declaration)s")),
    _said(
        PART,
        N_("the minimum publicity period of this record ends on %(date)s"),
        date=r"\S+",
    ),
    _said(
        PART,
        N_(
            "a repair of this subject ended for fraud on %(date)s; no new application for "
            "%(months)s months"
        ),
        date=r"\S+",
        months=r"\d+",
    ),
    _said(
        PART,
        N_(
            "the subject is on the black list under the standard %(standard)s until "
            "%(until)s: %(article)s grants no repair while the entry is in force"
        ),
        {"article": _article},
        until=r"\S+",
        article=r"Art\. 22\(\d\)",
    ),
    _said(
        PART,
        N_(
            "the subject is on the black list under the standard %(standard)s: %(article)s "
            "grants no repair while the entry is in force"
        ),
        {"article": _article},
        article=r"Art\. 22\(\d\)",
    ),
    # files the upload page cannot read: JSON and JSON Lines (collection.readers)
    _said(
        "bad_json",
        N_("%(unit)s %(number)s is %(kind)s, not an object of field: value pairs."),
        {"unit": _from(_UNITS), "kind": _from(_JSON_KINDS)},
        unit=r"Record|Line",
        number=r"\d+",
    ),
    _said(
        "bad_json",
        N_(
            "%(unit)s %(number)s: the field “%(name)s” holds %(kind)s; only flat values "
            "(text, numbers, true/false, null) are accepted."
        ),
        {"unit": _from(_UNITS), "kind": _from(_JSON_KINDS)},
        unit=r"Record|Line",
        number=r"\d+",
    ),
    _said(
        "duplicate_header",
        N_("%(unit)s %(number)s has the field “%(name)s” twice."),
        {"unit": _from(_UNITS)},
        unit=r"Record|Line",
        number=r"\d+",
    ),
    _said(
        "no_header",
        N_("%(unit)s %(number)s has a value under an empty field name."),
        {"unit": _from(_UNITS)},
        unit=r"Record|Line",
        number=r"\d+",
    ),
    _said("too_many_columns", N_("More than %(count)s different field names."), count=r"\d+"),
    _said(
        "encoding",
        N_("Near record %(number)s the file is not valid UTF-8; JSON files must be UTF-8."),
        number=r"\d+",
    ),
    _said(
        "encoding",
        N_("Line %(number)s is not valid UTF-8; JSON Lines files must be UTF-8."),
        number=r"\d+",
    ),
    _said(
        "bad_json",
        N_("Line %(number)s is not valid JSON (%(problem)s)."),
        {"problem": _part},
        number=r"\d+",
    ),
    _said("bad_json", N_("Record %(number)s: %(problem)s."), {"problem": _part}, number=r"\d+"),
    _said(
        None,
        N_(
            'Expected a JSON list of objects ([{…}, …] or {"rows": [...]}): %(problem)s; for '
            "one object per line use JSON Lines."
        ),
        {"problem": _part},
    ),
    _said(None, N_("the body is not valid JSON: %(problem)s"), {"problem": _part}),
    _said(
        "invalid_json",
        N_("the definition is not valid JSON: %(problem)s"),
        {"problem": _part},
    ),
    _said(
        PART,
        N_("%(problem)s at column %(column)s"),
        {"problem": _from(_JSON_PROBLEMS)},
        column=r"\d+",
    ),
    _said(PART, N_("a number longer than %(count)s digits"), count=r"\d+"),
    # request bodies refused before a handler runs (web.uploads)
    _said(
        "too_large",
        N_("the body is larger than this request takes (%(count)s MiB at most)"),
        count=r"\d+",
    ),
    _said(
        "unsupported_format",
        N_("unsupported Content-Type %(media)s: send one of %(types)s"),
    ),
    _said(
        PART,
        N_("not valid JSON within %(size)s MiB (%(problem)s); a record may be at most that long"),
        {"problem": _json_problem},
        size=r"\d+",
    ),
    _said(PART, N_("not valid JSON (%(problem)s)"), {"problem": _json_problem}),
)

# --- 4. what each code means ------------------------------------------------------------------

CODES: dict[str, str] = {
    # signing in and the request itself
    "not_authenticated": N_("You need to log in to do this."),
    "bad_credentials": N_("Wrong username or password."),
    "bad_token": N_("The token is not valid."),
    "token_expired": N_("The token has expired."),
    "credentials_changed": N_(
        "The account's credentials have changed since this token was issued. Log in again."
    ),
    "bad_api_key": N_("The API key is not valid."),
    "inactive_account": N_("The account is not active."),
    "csrf_failed": N_("The form has expired or did not come from this site."),
    "rate_limited": N_("Too many attempts; wait and try again."),
    "invalid_request": N_("The request is not valid."),
    "method_not_allowed": N_("This address does not accept this kind of request."),
    "http_error": N_("The request was refused."),
    "internal_error": N_("An unexpected error occurred."),
    "database_busy": N_(
        "The platform is busy with other work at the moment. Nothing was saved: send it "
        "again in a few seconds."
    ),
    "keys_changed": N_(
        "The platform's keys were changed while this was being saved. Nothing was saved: "
        "send it again in a few seconds."
    ),
    "error": N_("The request was refused."),
    # who may do what
    "permission_denied": N_("Your role may not do this."),
    "not_subject": N_("Only a subject's own account may do this."),
    "not_own_subject": N_("A subject account sees only what is about itself."),
    "other_organisation": N_("This belongs to another organisation."),
    "no_organisation": N_("Only an organisation's staff may do this."),
    "no_query_permission": N_("Your role has no query permission."),
    "not_lawful_querier": N_(
        "Only the recognising agency, the credit authority and the subject see this in full."
    ),
    "not_source_officer": N_(
        "Only a security officer of the organisation that supplied the record reviews it."
    ),
    "officer_in_person": N_("This is done by a named officer, not by a system."),
    "self_approval": N_("The proposer cannot approve their own proposal."),
    # early removal from the black list (SAMR Order 44)
    "separate_duties": N_(
        "Separate duties: whoever proposed the decision cannot approve it; another officer must."
    ),
    "commitment_required": N_("Make the public credit commitment to apply."),
    "entry_not_listed": N_("The entry is no longer on the list, so it cannot be removed early."),
    "not_court_entry": N_(
        "Only a court judgment defaulter's entry leaves on a confirmed performance."
    ),
    "role_not_allowed": N_("This kind of organisation cannot have this role."),
    "organisation_required": N_("A staff account belongs to one organisation."),
    "subject_required": N_("A subject account is bound to one subject."),
    "password_too_short": N_("The password is too short."),
    # accounts activated by a one-time code (decisions 0031, 0033)
    "password_not_allowed": N_(
        "An account gets no password from an administrator: its holder sets one with the "
        "activation code a second person releases."
    ),
    "not_subject_account": N_(
        "This counter is for subject accounts; a staff account's code is released under "
        "Staff accounts."
    ),
    "not_staff_account": N_(
        "This counter is for staff accounts; a subject account's code is released under "
        "Subject accounts."
    ),
    "bad_activation": N_("Wrong username or activation code."),
    "activation_expired": N_(
        "This activation code has expired. Ask the credit authority for a new one."
    ),
    "credit_authority_officer_required": N_(
        "An activation code is released by an officer of the credit authority who checked "
        "the holder's identity."
    ),
    "platform_admin_required": N_(
        "An administrator's activation code is released by another platform administrator."
    ),
    "own_account_code": N_(
        "Nobody releases the activation code of their own account: another officer does."
    ),
    "creator_releases_code": N_(
        "Whoever created an account does not release its activation code: another "
        "administrator does."
    ),
    "not_user_account": N_("Only a person's account has an account page."),
    # API keys registered by the administrator, released by the organisation (decision 0033)
    "key_role_required": N_(
        "An API key's secret is released by a staff member of its organisation who holds "
        "the key's role."
    ),
    "key_revoked": N_("This API key is revoked."),
    "registered_meanwhile": N_(
        "The subject was registered by another request at the same moment. Send it again."
    ),
    "api_key_not_a_session": N_(
        "An API key does not log out: it works until the platform administrator revokes it."
    ),
    "key_released": N_(
        "This key's secret was released already. Ask the administrator for a new key."
    ),
    "own_account": N_("You cannot deactivate your own account."),
    "already_inactive": N_("This account is deactivated already."),
    "last_administrator": N_("This is the last active platform administrator."),
    # reading credit files (Art. 13)
    "no_lawful_path": N_(
        "Non-public information needs the subject's written authorisation or a published query item."
    ),
    "not_our_query_item": N_("This query item is not one of your organisation's."),
    "no_statutory_exception": N_(
        "Information that is not public is read without the subject's written authorisation "
        "only where a law or an administrative regulation makes the exception, and the query "
        "item states it."
    ),
    # per-staff query permissions (Art. 12(2), decision 0035)
    "not_query_staff": N_("This staff member's role does not query by query item."),
    "unknown_staff": N_("No staff member of your organisation has this username."),
    "own_query_permission": N_(
        "A staff member's query items are assigned by another person of the organisation, "
        "never by himself."
    ),
    "already_assigned": N_("This staff member holds this query item already."),
    "already_withdrawn": N_("This assignment was withdrawn already."),
    "no_query_items": N_("Your organisation's staff do not query by query items."),
    "not_assigned_query_item": N_(
        "This query item is not assigned to you; your organisation's security officer "
        "assigns query items to its staff."
    ),
    "query_item_unpublished": N_("This query item is not published, so it may not be used."),
    "matter_mismatch": N_("The administrative matter does not match the query item."),
    "scope_not_authorised": N_("The subject's authorisation does not cover this information."),
    "authorisation_required": N_(
        "Several written authorisations are in force: choose the one this read is for."
    ),
    "one_path": N_("A read is on one lawful path: a query item or a written authorisation."),
    "bulk_read_limit": N_(
        "Bulk reads of credit files are limited; wait, or ask the credit authority."
    ),
    "no_authorisation": N_("No written authorisation in force for your organisation."),
    "not_a_querier": N_("This organisation does not query credit files."),
    "future_date": N_("The date is in the future."),
    "invalid_month": N_("Name a calendar month as YYYY-MM."),
    "period_not_ended": N_("The statistics of a month are released once the month has ended."),
    "period_already_released": N_(
        "This month's statistics are released already, or a later month's: a release is "
        "never made again (Art. 28)."
    ),
    "no_release": N_("No release of the industry statistics for this month (Art. 28)."),
    "before_filing": N_("A judgment cannot be performed before the case was filed."),
    "unknown_report": N_("No report with this number was issued."),
    "report_not_kept": N_(
        "This report was issued before reports were kept: it cannot be opened again."
    ),
    "report_content_removed": N_(
        "The content of this report is no longer kept, so it cannot be opened again; its "
        "number and verification code still verify a copy."
    ),
    "past_retention": N_(
        "This information is past its retention period: it may no longer be collected."
    ),
    "extension_too_short": N_(
        "The stated term ends after the usual term but extends it by less than the rules "
        "allow: state the usual end, or an extension of at least the least one."
    ),
    "name_objection_evidence_erased": N_(
        "The identity document of this decided objection was erased after its retention "
        "period; the case keeps its decision and the document's fingerprint."
    ),
    "report_content_mismatch": N_(
        "The kept content of this report does not match its hash, so it is not shown."
    ),
    # what was entered
    "invalid": N_("The value is not valid."),
    "invalid_characters": N_("The value holds control or invisible characters."),
    "citizen_id_in_text": N_(
        "The text holds a citizen ID number, which is never published in clear."
    ),
    "required": N_("Something required is missing."),
    "too_long": N_("The value is too long."),
    "too_many": N_("Too many items at once."),
    "out_of_range": N_("The value is outside the range allowed."),
    "too_large": N_("The file is too large."),
    "invalid_choice": N_("The value is not one of the choices."),
    "invalid_date": N_("Not a date."),
    "invalid_number": N_("Not a valid number."),
    "formula_without_value": N_(
        "The cell holds a formula whose result the workbook does not keep: save the file "
        "again in Excel or WPS, or paste the values instead of the formula."
    ),
    "exponent_notation": N_("Write the amount out in digits, without an exponent."),
    "too_many_decimals": N_("Too many decimal places for an amount."),
    "before_decision_date": N_("This date ends a period and cannot be before the decision date."),
    "before_start_date": N_("This date ends a period and cannot be before its start date."),
    "invalid_period": N_("The period is not valid."),
    "period_too_long": N_("The period is too long."),
    "expired": N_("The end date has passed."),
    "evidence_required": N_("The evidence is missing."),
    "signature_mismatch": N_("Type your full name as registered to sign."),
    "duplicate": N_("This exists already."),
    "not_found": N_("Not found."),
    "unknown_subject": N_("No subject with this code."),
    "unknown_organisation": N_("No such organisation."),
    "unknown_record_type": N_("No such record type in the catalog."),
    "unknown_matter": N_("No such administrative matter."),
    "unknown_measure": N_("No such measure."),
    "unknown_query_item": N_("No such query item."),
    "unknown_standard": N_("No such recognition standard."),
    "not_natural_person": N_("Only for natural persons."),
    "not_organisation": N_("Only for organisations."),
    "written_required": N_("A written consent is required."),
    "name_required": N_("Enter the name on the signed consent."),
    "one_subject": N_("Name the person by its reference or by its ID number, not both."),
    "consent_outside_responsibility": N_(
        "An organisation records consent only to the record types on its responsibility list."
    ),
    "adverse_consequences_notice_required": N_(
        "Consent to restricted information must be written and given after notice of the "
        "possible adverse consequences."
    ),
    "invalid_accepting_unit": N_(
        "A credit commitment is made to a state organ or a public-function organisation."
    ),
    # identifiers
    "empty": N_("The code is empty."),
    "length": N_("The code has the wrong length."),
    "charset": N_("The code has a character that is not allowed."),
    "check_character": N_("The check character does not match; look for a typing error."),
    "organisation_code_check": N_("Position 17 fails the organisation-code check."),
    "birth_date": N_("The birth date in the number is not possible."),
    "address_code": N_("The number does not start with an administrative division code."),
    # files, rows and batches
    "unsupported_format": N_("This file format is not accepted."),
    "format": N_("The file cannot be read."),
    "encoding": N_("The file's text encoding cannot be read; save it as CSV UTF-8."),
    "bad_json": N_("The JSON cannot be read."),
    "nul_character": N_("A value holds the NUL character (U+0000), which no field may hold."),
    "no_header": N_("A column holds values but has no header."),
    "duplicate_header": N_("A column header appears twice."),
    "too_many_columns": N_("The file has too many columns."),
    "far_cell": N_("A cell of the workbook lies far beyond the rest of its data."),
    "sheet_too_large": N_("The sheet is larger than a workbook batch may be; send it as CSV."),
    "workbook_too_large": N_("The workbook unpacks to more than a batch may be."),
    "no_known_columns": N_("None of the file's columns is a field of the record type."),
    "duplicate_in_batch": N_("An earlier row of this batch has the same key."),
    "name_mismatch": N_("The code is registered under another name; the row is held for review."),
    "held_row_decided": N_("This held row was decided already."),
    "held_row_content_erased": N_(
        "The content of this held row was erased; it can only be rejected."
    ),
    "release_refused": N_(
        "The row is refused on release for another reason than its name; reject it instead."
    ),
    "consent_required": N_(
        "No consent of this person is on file for your organisation and this record type."
    ),
    "written_consent_required": N_(
        "Restricted information may be collected only with written consent."
    ),
    "unsupported_id_type": N_("Only citizen ID numbers are accepted."),
    "subject_kind_not_allowed": N_("This record type is not kept about this kind of subject."),
    "prohibited_content": N_("A column carries information that may never be collected."),
    "idempotency_key_reused": N_("This idempotency key was used for a different batch."),
    "idempotency_key_reserved": N_(
        "This idempotency key is of a form the platform keeps for its own batches."
    ),
    "not_held_row_reviewer": N_(
        "Only the row's source and the credit authority of its area review a held row."
    ),
    "not_responsible": N_("The organisation is not responsible for this record type."),
    "submitter_kind_not_allowed": N_("This kind of organisation may not submit this record type."),
    "self_declared_type": N_("Self-declarations are made by the subject itself."),
    "no_platform_operator": N_("The platform operator organisation is not set up."),
    "wrong_year": N_("A day is not in the year."),
    "duplicate_day": N_("A day is listed twice."),
    "too_many_days": N_("More days than a year has."),
    "no_days": N_("The arrangement lists no days."),
    "no_holidays": N_(
        "The arrangement has no holiday on a weekday: every year's arrangement has some, so "
        "this is not the right file."
    ),
    "invalid_kind": N_("The kind of day is neither 放假 (holiday) nor 上班 (working day)."),
    "invalid_range": N_("The range of days is not valid."),
    "missing_column": N_("The header lacks a column: it needs 日期, 安排 and 名称."),
    "year_out_of_range": N_(
        "The year cannot be entered: the State Council announces a year's arrangement in the "
        "year before."
    ),
    # the catalog (Art. 9, 11, 35)
    "invalid_definition": N_("The record type definition is not valid."),
    "invalid_json": N_("The definition is not valid JSON."),
    "code_changed": N_("A revision must keep the record type's code."),
    "invalid_jurisdiction": N_("A district rule needs a Fuzhou district code."),
    "district_rule_loosens": N_("A district may only add to or tighten the city's rules."),
    "district_rule_by_district": N_(
        "A district's rules are made by the district: its own credit authority writes them."
    ),
    "outside_own_jurisdiction": N_("A credit authority acts in its own administrative area only."),
    "prohibited_field": N_("The field would collect information that may never be collected."),
    "restricted_field_undeclared": N_(
        "The field holds restricted information and must be declared restricted."
    ),
    "note_required": N_("Say why the rule changes."),
    # the shipped rule pack's changes (decision 0034)
    "not_in_rule_pack": N_("The shipped rule pack has no such record type."),
    "no_rule_pack_change": N_("No change of the shipped rule pack waits for this record type."),
    "rule_pack_changed": N_(
        "The shipped rule pack has changed since this page was opened: look at its changes again."
    ),
    # the lists rule pack's changes (decision 0034 addendum)
    "invalid_answer": N_("Choose whether to take the shipped definition or keep the city's."),
    # the confidentiality review (Art. 12)
    "not_awaiting_review": N_("This record is not awaiting a confidentiality review."),
    "field_not_in_record": N_("The record has no such field to redact."),
    "not_redactable": N_("This field cannot be redacted."),
    "note_repeats_redacted": N_("The note repeats content you are redacting."),
    # lists, objections and measures (Art. 14-18, 25)
    "wrong_state": N_("The entry is not in a state that allows this."),
    "decided": N_("This objection is decided already."),
    "own_proposal": N_("The proposer cannot decide an objection to their own proposal."),
    "entry_left_list": N_("The entry has left the list already."),
    "on_black_list": N_("A subject on the black list cannot be recognised as an integrity model."),
    "bad_record": N_(
        "The subject has a bad credit record within the period the standard allows none."
    ),
    "too_recent": N_(
        "The subject has not been on record for the years without a bad credit record that "
        "the standard asks for."
    ),
    "window_closed": N_("The window for this has closed."),
    "window_open": N_("The window is still open."),
    "objection_pending": N_("An objection is still undecided."),
    "object_to_court": N_(
        "A court judgment defaulter's listing is the court's decision: the defaulter applies "
        "to the court for its correction."
    ),
    # objections to credit records (Art. 25)
    "objection_closed": N_("This objection is closed."),
    # a person's objection to its registered name (Art. 25; decision 0051)
    "name_unchanged": N_("This is the name you are registered under already (Art. 25)."),
    "name_objection_pending": N_(
        "An objection to this name is still being decided; object again once it is "
        "decided (Art. 25)."
    ),
    "name_changed_meanwhile": N_(
        "The registered name changed since the objection was raised: reject it, and the "
        "person objects again to the name it bears now (Art. 25)."
    ),
    "wrong_stage": N_("The case is not at a stage where you may do this."),
    "withdraw_instead": N_(
        "An objection that the record should not be public or is past its publicity period "
        "is answered by withdrawing the record from publication."
    ),
    "stop_use_instead": N_(
        "An objection that the record is published twice is answered by taking the "
        "duplicate out of use."
    ),
    "not_a_duplicate": N_(
        "Only a record published twice is taken out of use on an objection: a wrong record "
        "is corrected, one that should not be public withdrawn from publication."
    ),
    "changed_meanwhile": N_(
        "Another request changed the same data at the same moment. Nothing was saved: "
        "reload the page and send it again."
    ),
    "not_credit_authority": N_(
        "This step of the case is the credit authority's objection handler's: an objection "
        "to a record is decided or forwarded, a credit repair application accepted or "
        "refused, by them."
    ),
    "not_source": N_("Only the record's source may do this."),
    "reason_of_another_procedure": N_(
        "This removal reason is set by its own procedure (repair, objection, court "
        "performance, revocation by the source, early removal on application); choose "
        "exit conditions met or another reason."
    ),
    "objection_handler_alters_no_data": N_(
        "Objection handlers alter no data: the source's case officers and data reporters "
        "approve or revoke a repair."
    ),
    "not_forwarded": N_("The credit authority has not forwarded this objection to your unit."),
    "record_not_objectionable": N_("This record is no longer used and cannot be objected to."),
    "not_correctable": N_("This field says who or which record it is and cannot be corrected."),
    "unknown_field": N_("The record type has no such field."),
    "no_rows": N_("The file has no rows."),
    "unknown_parameter": N_("The request has a parameter this operation does not take."),
    "unchanged": N_("Nothing was changed."),
    # a source revokes its record (decision 0028)
    "already_revoked": N_("The record is revoked already."),
    # the credit authority revokes a consent (decision 0024)
    "consent_revoked_already": N_("The consent is revoked already."),
    "record_deleted": N_(
        "The record was deleted after its retention period: there is no content left to correct."
    ),
    "record_not_revocable": N_("This record can no longer be revoked."),
    "not_revoked": N_("Only a revoked record can be reinstated."),
    "out_of_use_on_objection": N_(
        "The record was taken out of use on an upheld objection: a reinstatement does not "
        "undo that."
    ),
    "commitment_revoked": N_(
        "The commitment was revoked by its accepting unit: its fulfilment is no longer recorded."
    ),
    # the catalog (decision 0005)
    "natural_key_in_use": N_(
        "Records of this type are stored under its natural key: it stays while they are; "
        "make a new record type."
    ),
    "type_in_use": N_(
        "Records of this type are stored as its rule describes them: what they are stays "
        "while they are; make a new record type."
    ),
    "not_case_party": N_(
        "Only the subject, the credit authority and the record's source read a case."
    ),
    # credit repair (Art. 20-23)
    "not_repairable": N_(
        "The record cannot be repaired now: a case the regulation or the platform excludes "
        "applies (see the checklist)."
    ),
    "repair_condition_unmet": N_("A condition of credit repair is not met (see the checklist)."),
    "repair_closed": N_("This repair case is closed."),
    "not_negative": N_("Only a record of dishonest conduct is repaired."),
    "market_record_not_repairable": N_(
        "Market credit information is not repaired on the platform; if the record is wrong, "
        "object to it."
    ),
    "record_not_repairable": N_("This record is no longer used and needs no repair."),
    "one_commitment": N_("Link a commitment or make a new one, not both."),
    "not_in_comment": N_("No red-list candidate in public comment with this number."),
    "entered_from_records": N_(
        "Entries under this standard come from the deciding body's records."
    ),
    "basis_records_required": N_(
        "A black-list proposal names the credit records it rests on (Art. 15 ¶2)."
    ),
    "basis_of_another_subject": N_("A record named is about another subject."),
    "basis_not_readable": N_(
        "A record named is neither public nor your organisation's: read another agency's "
        "non-public records only through a query item (Art. 13)."
    ),
    "basis_not_in_force": N_(
        "A record named is no longer in force: repaired, revoked or past its publicity."
    ),
    "basis_wrong_polarity": N_(
        "A black-list entry rests on negative records, a red-list entry on positive ones."
    ),
    "unknown_record": N_("No such credit record."),
    "not_serious_organisation": N_(
        "Responsible persons are named only for an organisation proposed as seriously dishonest."
    ),
    "no_grade_model": N_("No grading model is loaded."),
    "measure_unpublished": N_("This measure is not published, so it may not be applied."),
    "not_published": N_("It was never published."),
    "not_applicable": N_("The subject is not on the list this measure targets."),
    "entry_ended": N_(
        "The list entry the measure would rest on is no longer in force, so it is not applied."
    ),
    "incentive_on_black_list": N_(
        "A subject on the black list is given no incentive measure: incentives are for "
        "trustworthy subjects only."
    ),
    "red_standard_not_met": N_(
        "The subject no longer meets its red-list standard, so it is given no incentive measure."
    ),
    "no_longer_named": N_(
        "The organisation's entry no longer names this person as responsible, so the measure "
        "does not reach them."
    ),
    "registration_ended": N_("This registration of a responsible person has ended already."),
    "not_registration_authority": N_(
        "Only the authority that registers organisations registers who answers for them."
    ),
    "registered_elsewhere": N_("The organisation is registered by another authority."),
    "no_implementer": N_(
        "A measure states who implements it: kinds of organisation or named organisations "
        "(Art. 15)."
    ),
    "not_implementer": N_("Your organisation does not implement this measure (Art. 15)."),
    "standard_not_covered": N_(
        "This measure applies only to subjects listed under the recognition standards it "
        "names: its legal basis does not cover the listing of this subject (Art. 15 ¶2)."
    ),
    "no_measures_in_matter": N_(
        "Your organisation implements no published measure in this administrative matter, so "
        "it has no joint check to run in it (Art. 15)."
    ),
    "register_of_another_authority": N_(
        "The register of an organisation's responsible persons is read by the authority that "
        "registers it and by the credit authority only."
    ),
    "starts_before_holder": N_(
        "The registration would start before that of the person holding the capacity now."
    ),
    "before_start": N_("A registration cannot end before it started."),
    "legal_representative_mismatch": N_(
        "The legal representative's ID number is registered under another name; the row is "
        "held for review."
    ),
    "wrong_matter": N_("This measure does not apply in this administrative matter."),
    "wrong_target": N_("The measure's target does not fit its kind."),
    "disproportionate": N_("The measure is heavier than the tier allows."),
    "invalid_head": N_("The article has no such item."),
    # credit service institutions (Art. 26-27)
    "invalid_uscc": N_("The unified social credit code is not valid."),
    "already_registered": N_("This institution is already in the register."),
    "evidence_empty": N_("The evidence file is empty."),
    "evidence_type_unsupported": N_("The evidence file must be a PDF, PNG or JPEG document."),
    "evidence_type_mismatch": N_(
        "The evidence file's content is not of the type its name declares."
    ),
    "evidence_not_base64": N_("The uploaded evidence is not a file in base64."),
    "evidence_document_required": N_(
        "Upload the signed consent form: it carries the person's confirmation that the "
        "service is not conditional on the consent."
    ),
    "filing_before_regulation": N_(
        "A filing cannot predate the 征信业管理条例 (in force on 2013-03-15)."
    ),
    "code_of_another_kind": N_(
        "This code belongs to an organisation that is not a credit service institution."
    ),
    "code_of_another_name": N_("This code belongs to an organisation under another name."),
    "credit_status_financial_institutions": N_(
        "Only a financial institution reads credit status, to price risk."
    ),
    "code_is_filing_number": N_(
        "This code is another entry's filing number in the register: check the code."
    ),
    "filing_number_like_code": N_(
        "A filing number cannot have the form of a unified social credit code: the register "
        "is searched by either."
    ),
    "registered_institution_code": N_(
        "This code is a credit service institution's in the register: create the "
        "organisation as a credit service institution."
    ),
    "not_registered": N_(
        "No registered credit service institution has this code or filing number."
    ),
    "status_transition": N_(
        "This change of status is not allowed: a deregistered institution stays deregistered."
    ),
    "before_status": N_("The date is before the current status began."),
    "service_required": N_(
        "Name the service the credit service institution provides to the subject."
    ),
    "service_bundled": N_(
        "A credit service institution may not make its service conditional on the subject's "
        "authorisation or consent to collect its information (Art. 27)."
    ),
    "institution_not_registered": N_(
        "This credit service institution is not in the credit authority's register."
    ),
    "institution_suspended": N_("This credit service institution is suspended."),
    "institution_deregistered": N_("This credit service institution is deregistered."),
    "service_not_filed": N_(
        "The institution has not filed this service with the register: name one of the "
        "services its entry lists."
    ),
    "deregistered": N_("A deregistered institution's entry is closed."),
    # typical cases of integrity publicity (Art. 32)
    "basis_required": N_("A case of this kind rests on a list entry or a repaired case."),
    "basis_not_allowed": N_("A case of this kind does not rest on this basis."),
    "wrong_list": N_("The list entry is on the other list than this kind of case needs."),
    "not_serious": N_("Only serious dishonesty is exposed."),
    "entry_not_in_force": N_(
        "The list entry is no longer on the published list: a case may not outlast it."
    ),
    "not_repaired": N_("The repair case was not decided with the record repaired."),
    "identifies_subject": N_(
        "Without the subject's consent to be named, the case may not name or identify it."
    ),
    "consent_not_applicable": N_("A consent to be named is recorded only for credit repair."),
    "self_publication": N_("The drafter cannot publish their own draft: a second officer must."),
    # the subject's consent to be named in a credit-repair case (decision 0030)
    "consent_already_requested": N_("The subject has already been asked about this case."),
    "consent_refused": N_(
        "The subject refused or withdrew its consent to be named in this case; it is not "
        "asked again."
    ),
    "consent_answered": N_("This request has been answered already."),
    "consent_not_given": N_("Only a consent given can be withdrawn."),
    "case_withdrawn": N_("The case was withdrawn: there is nothing to consent to."),
    "acknowledgement_required": N_(
        "Tick that you have read what being named means before consenting."
    ),
    # market records: own business and members (Art. 10 ¶1, decision 0032)
    "not_own_business": N_(
        "A market body records only the credit information arising in its own business."
    ),
    "not_a_member": N_(
        "An association records only its members' credit information, as their agreement provides."
    ),
    "not_an_association": N_("Only an industry association keeps a member register."),
    "agreement_required": N_("Name the membership agreement."),
    "own_code": N_("An association is not its own member."),
    "membership_overlaps": N_("This membership overlaps one already on the register."),
    "already_ended": N_("The membership ends on that day or earlier already."),
}


@dataclass(frozen=True)
class Refusal:
    """What a page shows: the explanation in its language, the code, and the English
    message when the explanation is the code's general one."""

    code: str
    text: str
    detail: str | None = None


def _get(error: Any, name: str) -> Any:
    if isinstance(error, Mapping):
        return error.get(name)
    return getattr(error, name, None)


def explain(error: Any, gettext: Gettext) -> Refusal:
    """The refusal ``error`` (an error body, a row problem, or an object with ``code`` and
    ``message``) in the language of ``gettext``."""
    code = str(_get(error, "code") or "")
    message = str(_get(error, "message") or "")
    if code in STATED:
        return Refusal(code, gettext(STATED[code]))
    if message in MESSAGES:
        return Refusal(code, gettext(message))
    for pattern in PATTERNS:
        if pattern.code is None or pattern.code == code:
            match = pattern.regex.fullmatch(message)
            if match is not None:
                return Refusal(code, pattern.translate(match, gettext))
    if code in CODES:
        explanation = gettext(CODES[code])
        return Refusal(code, explanation, message if message and message != explanation else None)
    return Refusal(code, message)
