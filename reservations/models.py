# Reservation, ReservationLine, Loan and ExtensionCampaign arrive with the
# lifecycle (see DESIGN.md, "Lifecycle").
