"""How audit events read in a timeline: one label per dotted action code."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "case.opened": _("Case opened"),
    "case.viewed": _("Case page opened"),
    "case.details.changed": _("Details corrected"),
    "case.assigned": _("Assignee changed"),
    "case.note.added": _("Note added"),
    "case.item.decided": _("Outcome recorded"),
    "case.item.review_flagged": _("Outcome to be decided again (its ground does not fit its kind)"),
    "case.fee.received": _("Fee received"),
    "case.fee.requested": _("Request for the fee mailed: waiting on the requester"),
    "case.identity.requested": _("Checking of identity documents started"),
    "case.documents.requested": _("Request for documents mailed: waiting on the requester"),
    "case.documents.received": _("What was asked for arrived"),
    "case.identity.document_received": _("Identity document logged"),
    "case.identity.verified": _("Identity verified"),
    "case.work.started": _("Work started"),
    "case.completion.requested": _(
        "Request for completion (補正) mailed: waiting on the requester"
    ),
    "case.completion.received": _("Completion received"),
    "case.approval.requested": _("Submitted for approval"),
    "case.decision.approved": _("Decision approved"),
    "case.decision.returned": _("Returned for rework"),
    "case.decision.refused": _("Decision not to act on the request"),
    "case.reply.sent": _("Reply mailed"),
    "case.closed": _("Case closed"),
    "case.withdrawn": _("Request withdrawn"),
    "case.abandoned": _("Closed: no response from the requester"),
    "case.identity.document_withdrawn": _("Identity document withdrawn (entered in error)"),
    "case.identity.masking_confirmed": _("Masking of an identity document confirmed"),
    "case.identity.copy_destroyed": _("Copy of an identity document destroyed at once"),
    "case.identity.result_changed": _("Identity check result changed"),
    "case.identity.guardian_recorded": _("Parent or guardian recorded"),
    "case.identity.scan_viewed": _("Scan of an identity document opened"),
    "case.identity.scan_downloaded": _("Scan of an identity document downloaded"),
    "case.identity.copies_destroyed": _("Copies destroyed (retention period over)"),
    "case.identity.paper_shredded": _("Shredding of a paper copy confirmed"),
    "case.deadline.extended": _("Due date extended"),
    "case.abandonment.flagged": _(
        "Marked for closing for want of a response (waited too long on the requester)"
    ),
    # Reference data and users (the admin; requests_app/reference_data.py). "reference.saved"
    # is how entries read before changes were recorded field by field.
    "reference.saved": _("Reference data saved"),
    "reference.created": _("Reference data added"),
    "reference.changed": _("Reference data changed"),
    "reference.deleted": _("Reference data deleted"),
    "user.created": _("User account created"),
    "user.changed": _("User account changed"),
    "user.roles.changed": _("User's roles changed"),
    "user.password.set": _("User's password set"),
    # Exports (auditors and managers).
    "case.dossier.exported": _("Case dossier exported (PDF)"),
    "export.requested": _("Export of case histories requested"),
    "export.completed": _("Export of case histories completed"),
    "export.failed": _("Export of case histories failed"),
    "export.downloaded": _("Export bundle downloaded"),
    # Letters (requests_app/letters)
    "case.letter.requested": _("Letter asked for"),
    "case.letter.generated": _("Letter generated"),
    "case.letter.failed": _("Letter could not be generated"),
    "case.letter.retried": _("Letter generation retried"),
    "case.letter.approved": _("Letter approved for mailing"),
    "case.letter.mailed": _("Letter mailed"),
    "case.letter.returned": _("Letter returned undeliverable"),
    "case.letter.viewed": _("Letter opened"),
    "case.item.records_added": _("Data found recorded"),
    "case.item.record_removed": _("Data row removed"),
    "case.item.record_excluded": _(
        "Record of provision marked as excluded by the Cabinet Order (left out of the letter)"
    ),
    "case.item.change_added": _("Change recorded (before and after)"),
    "case.item.change_removed": _("Change record removed"),
    "case.item.record_edited": _("Data row reworded"),
    # The data map: search tasks of the departments, the provision register.
    "case.search.sent": _("Search tasks sent to departments"),
    "case.search.cancelled": _("Search task cancelled"),
    "case.search.finding_added": _("Department entered an item found"),
    "case.search.finding_removed": _("Department removed an item found"),
    "case.search.row_confirmed": _("Department confirmed a connector's row"),
    "case.search.row_discarded": _("Department discarded a connector's row"),
    "case.search.change_added": _("Department recorded what was done"),
    "case.search.change_removed": _("Department removed what was done"),
    "case.search.answered": _("Department answered its search"),
    "case.search.returned": _("Search answer returned to the department"),
    "case.search.accepted": _("Search answer accepted"),
    "case.search.connector_queued": _("Connector search asked for again"),
    "case.search.connector_ran": _("Connector searched the system"),
    "case.search.connector_failed": _("Connector search failed"),
    "case.provision.linked": _("Record of provision marked as the person's"),
    "case.provision.unlinked": _("Record of provision unmarked"),
    "datamap.system.created": _("System added to the data map"),
    "datamap.system.changed": _("System on the data map changed"),
    "datamap.department.created": _("Department added to the data map"),
    "datamap.department.changed": _("Department on the data map changed"),
    "datamap.exported": _("Data map exported"),
    "provision.added": _("Record of provision added"),
    "provision.imported": _("Records of provision imported"),
    "provision.deleted": _("Record of provision deleted (retention over)"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
