# testigo public site: English. Every string a reader sees is here.
# Numbers arrive formatted as $name; $name_n is the same number for plural rules.

skip-to-content = Skip to content
nav-label = Site
nav-results = Results
nav-search = Find your table
nav-bulletins = Official bulletins
nav-downloads = Open data
nav-observers = For observers
language-label = Language
breadcrumbs-label = You are here
national = National
unknown = unknown
footer-log = Computed from the first { $size } entries of the public log.
footer-verify = Check it yourself.

home-intro = Election day: { $date }. Every number here is computed from signed tally sheets in a public, append-only log that anyone can copy and check.
home-bulletins = { $n_n ->
    [one] Compare the official bulletin with the signed sheets
   *[other] Compare the { $n } official bulletins with the signed sheets
}

coverage-tables = Tables reporting
coverage-tables-value = { $reporting } of { $total }
coverage-tables-listed = { $reporting } of the { $total } listed (the full list is not known)
coverage-tables-listed-short = { $reporting } of { $total } listed
coverage-list-incomplete-rows = The election declares more tables than are listed, so each unit's count is of the tables listed, not of all its tables.
coverage-list-incomplete = The election declares more tables than are listed here, so this unit's full list of tables is not known.
coverage-undeclared = Includes { $n } tables the election declares but no sheet or list names (counted as missing).
coverage-registered = Registered voters covered
coverage-registered-value = { $reporting } of { $total }
coverage-registered-unknown = { $reporting } at reporting tables; the share is unknown because { $unknown } tables do not declare their registered voters
coverage-registered-list-unknown = { $reporting } at reporting tables; the share is unknown because the full list of this unit's tables is not known
voters-counted = Ballots counted
table-states = Tables by evidence

state-corroborated = corroborated
state-single = single source
state-conflicting = conflicting
state-missing = missing

verdict-decided = The missing sheets cannot change the winner: { $leader } leads { $rival } by { $worst } votes even in the worst case, more than the { $missing } voters the missing tables could hold.
verdict-decided-at-cap = { $leader } leads { $rival } by { $worst } votes in the worst case. That is fewer than the { $missing } voters the missing tables could hold, so the result is settled only if turnout there is not extreme.
verdict-cap = Settled if turnout at the missing tables is at most { $cap }.
verdict-open = The missing sheets could still change the winner: { $leader } leads { $rival } by { $worst } votes in the worst case, and the missing tables could hold { $missing } voters.
verdict-no-votes = No votes have been counted yet.
verdict-tie = The two leading candidates are tied.
verdict-unit-counted = In the sheets counted here, { $leader } leads { $rival } by { $lead } votes.
verdict-unit-unknown-list = Whether the missing sheets could change this unit's result is unknown: the election declares tables that no list places, and some could be in this unit.
basis-registered = Bound on the missing voters: the registered voters of the missing tables.
basis-table-bound = Bound on the missing voters: registered voters where declared, and for { $tables } tables that declare none, the most any table may hold ({ $max }).
basis-registry-remainder = Bound on the missing voters: registered voters where declared, and for { $tables } tables that declare none, what remains of the national registry.

results-caption = Votes by candidate (counted sheets)
candidate = Candidate
votes = Votes
share = Share
votes-range = between { $min } and { $max } depending on which conflicting sheet is right
children-heading = { $level } ({ $n })
no-units = No units are listed.
tables-reporting = Tables reporting
leader = Leading
tables-heading = { $n_n ->
    [one] One table
   *[other] { $n } tables
}
unit-id = Code { $id }
unit-json = Data (JSON)

checkpoint-size = The log holds { $size } entries, signed by its operator.
checkpoint-cosigned = Cosigned by { $name } at { $time }.
checkpoint-no-cosigners = No independent cosigner is configured for this log.
checkpoint-none = The log's checkpoint could not be verified with the key shown on the observers page.
checkpoint-check-yourself = How to check the log yourself

table-title = Table { $id }
table-title-js = Table %id
table-registered = { $n } registered voters.
table-registered-unknown = Registered voters: unknown.
table-no-sheets = No tally sheet has been submitted for this table.
compare-caption = Every sheet side by side; differing counts are marked.
compare-not-reported = – : not reported by that source (never counted as a disagreement).
sheet-short = #{ $index }
superseded = corrected
differs = (differs)
null-votes = Null votes
blank-votes = Blank votes
valid-votes = Valid votes
sheet-heading = Sheet #{ $index }
signed-by = Signed by
source = Source
source-witness = a witness at the table
source-party_agent = a party agent
source-official = the official result
source-bulk_import = a published data set
role-witness = witness
role-party_agent = party agent
role-importer = importer
role-publisher = publisher
role-observer = observer
signed-at = Signed
log-entry = Log entry
log-entry-value = { $index } (key enrolled at entry { $enrol })
receipt = receipt
corrects = Corrects
corrected-by = Corrected by
flags = Flags
flags-none = none
flag-candidate_sum_mismatch = the candidates' votes do not add up to the printed valid votes; compare with the photo.
flag-valid_plus_null_exceeds_voters = valid plus null (and blank) votes exceed the printed number of voters; compare with the photo.
flag-voters_exceed_registered = more voters than registered voters at this table.
flag-qr_mismatch = the sheet's QR code gives other counts than the typed ones; one of them is wrong.
flag-conflicts_with_earlier = another source submitted different counts for this table; compare both.
flag-qr_unreadable = the QR payload could not be decoded.
flag-photo_qr_mismatch = the QR code read from the photo differs from the typed counts or names another table.
qr-sheet = QR on the sheet
qr-photo = QR in the photo
qr-matches = matches the typed counts
qr-mismatch = differs from the typed counts
qr-unreadable = could not be read
qr-no_code = no QR code
qr-signature-verified = machine signature verified
qr-signature-invalid = machine signature INVALID
qr-signature-unknown_key = signed by an unknown key
qr-signature-unsupported_format = signature format not supported
qr-signature-missing = no machine signature
qr-reading = read from the photo in log entry { $index }
photo-alt = Photo of the tally sheet of entry { $index }
photo-caption = Open the photo at full size to zoom in.

verify-heading = Verification in your browser
verify-pending = Checking…
verify-verified = Verified: this page shows exactly what the public log holds, signed by the keys below.
verify-failed = Verification FAILED
verify-step-checkpoint = checkpoint signed by the log and its cosigners
verify-step-consistent = consistent with the checkpoint this browser verified before
verify-step-first = first visit: this checkpoint is remembered for the next one
verify-step-sheet = included in the log and signed by its enrolled key: sheet
verify-step-photo = photo matches its logged SHA-256: sheet
verify-qr-payload = QR payload as signed:
verify-dataset = Imported from (as signed):
verify-dataset-line = line
verify-noscript = Verification needs JavaScript. Without it, check with `testigo verify` (see the observers page).
verify-trust = Your browser trusts only the keys printed on the observers page; compare them with those published elsewhere.
verify-keys-link = Keys and commands

search-label = Table code, centre, or place name
search-placeholder = e.g. 010113042.01 or Simón Bolívar
search-button = Search
search-help = Type a table code, a polling centre's code or name, or the name of a state, municipality or parish. Accents and capitals do not matter; the start of each word is enough.
search-none = Nothing matches “{ $q }”.
search-none-js = Nothing matches “%q”.
search-more-js = Too many places match “%q”: add another word or more of the code.
search-count = { $n_n ->
    [one] One result.
   *[other] { $n } results.
}
search-count-js = Results: %n.
search-more = Only the first { $max } are shown: type more to narrow the search.

bulletins-intro = Each figure an authority announced is compared with what the signed sheets allow, on two bases shown side by side: the registry bound alone (the counted sheets plus every registered voter at the tables without a sheet), and the bulletin's own announced totals taken as true. A figure outside the first range is impossible whatever the missing sheets say; a figure outside only the second contradicts the bulletin's own totals, not the registry.
bulletins-assumptions = The exact assumptions
bulletins-lower = Lowest possible value: the counted sheets, taking each conflicting table at its lowest, minus the tables a partial bulletin may leave out.
bulletins-upper-registry = Highest possible value on the registry bound alone: the counted sheets, taking each conflicting table at its highest, plus every registered voter at the tables without a sheet. It needs nothing from the bulletin.
bulletins-upper-announced = Highest possible value if the bulletin's own totals are true: the counted sheets plus the valid votes the bulletin's own announced valid total leaves for the tables without a sheet. A figure above it but within the registry bound is impossible only if that total is right.
bulletins-round = Round percentages: a count that is exactly a percentage with one or two decimals of the total. Under the model (each count equally likely anywhere within ±0.05% of the total around its value, counts independent) that is rare by chance. The chance shown holds under that model only, and the test was chosen after the figures were seen to be round (post hoc), so it overstates the evidence.
bulletins-tables = Per-table comparison: where an authority publishes results per table, each is compared with the counted sheet of the same table (matching, differing, or on one side only).
bulletins-none = No official bulletin is in the log.
bulletin-consistent = Every announced figure is possible given the signed sheets.
bulletin-impossible = { $n_n ->
    [one] One announced figure contradicts the signed sheets.
   *[other] { $n } announced figures contradict the signed sheets.
}
bulletin-impossible-registry = { $n_n ->
    [one] One is impossible whatever the missing sheets say (outside the registry bound).
   *[other] { $n } are impossible whatever the missing sheets say (outside the registry bound).
}
bulletin-impossible-announced = { $n_n ->
    [one] One is impossible only if the bulletin's own announced totals are taken as true.
   *[other] { $n } are impossible only if the bulletin's own announced totals are taken as true.
}
bulletin-caption = Announced figures against the signed sheets
figure = Figure
announced = Announced
range-registry = Range on the registry bound alone
range-announced = Range if the bulletin's own totals are true
verdict = Verdict
bound-consistent = possible
bound-below_counted = impossible: below the signed sheets
bound-above-registry = impossible: above the registry bound
bound-above-announced = impossible only if the bulletin's own totals are true (within the registry bound)
bound-excess = off by { $n }
round-summary = { $exact } of { $tested } announced counts are exactly a { $decimals }-decimal percentage of the total.
round-chance = Chance under the model: about { $p } (a post-hoc test: see below).
round-caveat = This chance holds under the model only; it is not the chance that the figures were made up. The test was chosen after the figures were seen to be round (post hoc), so it overstates the evidence.

downloads-intro = Results computed from the first { $size } log entries, for anyone to analyse.
file = File
bytes = Bytes
file-tables-csv = one row per table and contest: state, counted sheet, votes
file-tables-json = the same, as JSON
file-units-csv = one row per unit at every level and contest: coverage, totals, certainty
file-tally-json = the full tabulation, as served at /v1/tally
sums-signed = checksums of these files, signed by the log key (a signed note)
sums-unsigned = checksums of these files (this copy has no log key to sign them)
openapi = The JSON API is described in
units-json = Each unit's results, with its sub-units' and the state of each of its tables, as JSON: a few KB each, the same figures as the full tabulation; each unit's page links its own. The whole election:
mirror-heading = Mirror and verify the whole log
mirror-intro = With testigo installed, these commands check every entry and copy the log, photos included, to the folder M; a copy can be served by any static web server.

observers-intro = Everything on this site follows from the log and these keys. Compare them with the ones the operator and the cosigners publish elsewhere (their websites, the press, the electoral body).
log-key = The log's verifier key
operator-key = The operator's key (signs the election and the enrolments)
cosigners = Cosigners
cosigners-none = No cosigner is configured: checkpoints carry only the log's own signature.
cosigners-policy = A checkpoint counts only with cosignatures from { $quorum } of these { $n } independent cosigners:
latest-checkpoint = The latest checkpoint
check-yourself = Check it yourself
check-yourself-intro = These commands verify every entry, copy the log and recompute the results on your own computer.
not-found = This page does not exist. Search for your table or go back to the results.

level-state = State
level-municipality = Municipality
level-parish = Parish
level-centre = Polling centre
level-center = Polling centre
level-table = Table
level-region = Region
level-province = Province
level-department = Department
level-district = District
level-zone = Zone
level-section = Section

nav-questions = Questioning the numbers
questions-intro = Signatures and the log show who vouched for each sheet and that nothing was rewritten. Two more questions remain, answered here from the counted sheets of { $contest } (the first { $size } log entries), computed from the log like every other figure on this site: do the numbers carry the fingerprints of fabrication, and would a hand count of the paper change the outcome?
questions-forensics = Do the numbers carry fingerprints of fabrication?
questions-too-few = Only { $n } tables are counted: too few for these tests, which need at least { $min }.
questions-caveats = What these tests can and cannot show
caveat-proof = No test here proves fraud, and passing them proves no honesty: they flag patterns that some manipulations leave and that honest counts rarely do, and honest elections can deviate for ordinary reasons (table sizes, geography, strongholds).
caveat-digits = Digit tests are weak evidence: on counts of a few hundred ballots, digits follow arithmetic more than Benford's law; the second-digit expectation depends on how counts are distributed; and with thousands of tables, tiny deviations become "significant".
caveat-fingerprint = The fingerprint and its corner near 100 % turnout and 100 % for the leader are descriptive: compare them with other elections of the same country rather than with a threshold.
caveat-integer = An excess of whole-number percentages says that more tables than chance landed on them, which suggests figures written to a target; it does not say which tables.
digits-head = Digit tests
digits-intro = On the { $n } counted tables. A p-value is the chance of a deviation at least this large if the digits followed the expected law.
col-test = Test
col-tables = Tables
col-statistic = Statistic
col-p = p-value
col-reading = Reading
col-2bl-mean = Second-digit mean
col-2bl-p = Second digit, p
col-last-p = Last digit, p
col-integer = Whole-percentage excess ± SD
test-2bl-voters = Second digit of ballots cast (tables with at least 10)
test-last-voters = Last digit of ballots cast (tables with at least 10)
test-2bl-leader = Second digit of { $leader }'s votes
test-last-leader = Last digit of { $leader }'s votes
stat-2bl = mean { $mean } (95 % interval { $lo } – { $hi }; Benford: { $expected }); χ² { $chi2 } with { $df } degrees of freedom
stat-last = χ² { $chi2 } with { $df } degrees of freedom; { $share } % end in 0 or 5 (20 % expected)
reading-departs-clearly = departs clearly from the expected law
reading-departs = departs somewhat from the expected law
reading-consistent = consistent with the expected law
fingerprint-head = Turnout against the leader's share
fingerprint-text = Of { $n } tables with registered voters, { $corner } ({ $share } %) have both turnout and { $leader }'s share at 95 % or more: the corner where ballot stuffing shows up in other elections.
fingerprint-over = { $n_n ->
    [one] One table reports more ballots than registered voters.
   *[other] { $n } tables report more ballots than registered voters.
}
integer-head = Whole-number percentages
integer-text = Among { $n } tables with at least 100 registered voters, { $excess } more than chance gives have a turnout or a leader's share within 0.05 points of a whole percentage (the Monte Carlo standard deviation over { $replicates } simulated elections is { $sd }: { $z } standard deviations).
integer-significant = That is significant at the 0.1 % level.
integer-not-significant = That is not significant at the 0.1 % level.
groups-head = By { $level }
forensics-settings = Bootstrap intervals from { $bootstrap } resamples and a Monte Carlo null of { $replicates } replicates, seed { $seed }: `testigo forensics` gives the same numbers.
chart-fingerprint = Fingerprint: {"{"}n{"}"} tables, leader {"{"}leader{"}"}
chart-fingerprint-caption = Fingerprint: tables by turnout (across) and the leader's share (up); darker cells hold more tables.
chart-turnout-axis = turnout (voters / registered)
chart-leader-share-axis = leader's votes / voters
chart-units-axis = tables
chart-turnout = Turnout
chart-leader-share = Leader's share: {"{"}leader{"}"}
chart-leader-share-caption = Share of { $leader } per table
chart-second-digit = Second digit of ballots cast against Benford's law
chart-last-digit = Last digit of ballots cast against a uniform one
chart-digit-axis = digit (bars: observed; red marks: expected)
chart-share-axis = share
audit-head = Would a hand count of the paper change the outcome?
audit-plan = A risk-limiting audit at a { $risk } risk limit, with the { $tables } counted tables as batches (Kaplan–Markov, tables drawn in proportion to their error bound), would hand-count { $draws } draws (about { $distinct } distinct tables) if it found no error, to confirm that { $winner } beat { $runner } as the counted sheets say. Each error it finds makes it draw more, up to a full hand count.
audit-bravo = For comparison, ballot polling (BRAVO) would examine about { $ballots } ballots drawn at random.
audit-scope = An audit checks the counted sheets against the paper; it says nothing about tables without a sheet (the certainty verdict on the results page answers for those).
audit-no-plan = No audit can be planned: { $why }.
audits-logged = Audits opened in the log
audits-none = No audit has been opened in the log.
audit-opened = Audit opened at entry { $index }: { $contest }, risk limit { $risk }, public dice “{ $dice }”, committed to the checkpoint of { $size } entries.
audit-progress = { $draws } tables drawn so far, { $counted } of them counted by hand ({ $hand } hand counts logged); risk measure P = { $p }.
audit-pair = Reported winner { $winner }, runner-up { $runner }.
audit-verdict-risk_limit_met = Risk limit met: the hand counts confirm the reported outcome.
audit-verdict-full_hand_count = A full hand count is required.
audit-verdict-waiting_for_hand_counts = Waiting for the hand counts of the tables drawn.
audit-verdict-draw_more = More tables must be drawn.
audit-next = Tables to count by hand next:
audit-error = This audit cannot be recomputed: { $why }
questions-rerun = Recompute it yourself, on a copy of the log

## The witness's app (/witness/): its words, served to the app as messages.json.
witness-title = testigo — witness
witness-language = Language
witness-online = online
witness-offline = offline: sheets wait on this phone
witness-key-heading = Your key
witness-key-intro = Your key is made on this phone and never leaves it. Anyone can check what it signs with the key line below.
witness-holder = Your name
witness-organisation = Organisation that vouches for you
witness-scope = Unit you witness for (optional, e.g. a state code)
witness-key-create = Create my key
witness-key-fill = Give your name and your organisation.
witness-key-line = Your verifier key line (show it to the operator who enrols you):
witness-key-qr = QR code of your verifier key line
witness-request-send = Ask to be enrolled
witness-request-save = Save the request as a file
witness-request-sent = Request sent. The operator must approve it before your sheets count.
witness-request-refused = The server did not accept the request: { $why }
witness-request-offline = No connection: the request was not sent. Try again with a signal, or save it as a file and hand it to the operator.
witness-status-refresh = Check my enrolment
witness-status-unknown = Enrolment not checked yet.
witness-status-pending = Not enrolled yet: waiting for the operator to approve your request.
witness-status-enrolled = Enrolled as { $role } for { $scope }, valid from { $from } to { $until } (log entry { $index }).
witness-status-revoked = This key was revoked (log entry { $index }): { $reason }. Sheets it signs are refused; ask your organisation for a new enrolment.
witness-status-expired = This key's enrolment ended on { $until }. Sheets it signs are refused; ask your organisation to renew it.
witness-status-not-yet = This key's enrolment starts on { $from }.
witness-status-proven = Checked on this phone against the log (a tree of { $size } entries signed by the log key).
witness-status-unproven = It could NOT be checked against the log: { $why }
witness-role-witness = witness
witness-role-party_agent = party agent
witness-role-importer = importer
witness-role-publisher = publisher
witness-role-observer = observer (cannot sign sheets)
witness-role-auditor = auditor (cannot sign sheets)
witness-scope-all = the whole election
witness-capture-heading = Sign a tally sheet
witness-table = Table
witness-table-unknown = There is no table { $table } in this election. Check the code printed on the sheet.
witness-table-out-of-scope = Table { $table } is outside your unit ({ $scope }): the server will refuse it.
witness-table-offline = No connection: the table will be checked when the sheet is sent.
witness-table-needed = Choose the table first.
witness-contest = Contest
witness-photo = Photo of the sheet
witness-photo-preparing = Preparing the photo…
witness-photo-ready = Photo ready: { $before } KB taken, { $after } KB to send ({ $width } × { $height } pixels).
witness-counts = Counts as written on the sheet
witness-null = Null votes
witness-blank = Blank votes
witness-voters = Voters who voted
witness-check-whole = Counts must be whole numbers, 0 or more.
witness-check-empty = Left empty, signed as 0: { $names }.
witness-check-sum = The votes add up to { $sum }, but { $voters } voted. Sign what the sheet says; the difference will be flagged.
witness-check-registered = { $voters } voted, but the table has { $registered } registered voters.
witness-check-photo = No photo: a sheet with its photo is stronger evidence.
witness-sign = Sign and send
witness-queued = Signed. It is kept on this phone and sent as soon as there is a connection.
witness-correcting = Correcting log entry { $index } (table { $table }): the new sheet replaces it.
witness-sheets-heading = My sheets
witness-sheets-empty = No sheets signed on this phone yet.
witness-state-queued = waiting to be sent
witness-state-logged = logged
witness-state-flagged = logged, flagged
witness-state-corrected = corrected
witness-state-conflict = differs from another source
witness-state-refused = refused
witness-logged-at = In the public log as entry { $index }.
witness-receipt-ok = Receipt verified on this phone: the log signed a tree of { $size } entries that includes this sheet.
witness-receipt-bad = The receipt did NOT verify: { $why }
witness-receipt-show = Show the receipt
witness-receipt-heading = Receipt
witness-receipt-qr = QR code of the receipt's address
witness-close = Close
witness-correct = Send a correction
witness-retry = Send again
witness-typed = Typed
witness-photo-says = The photo's QR code says
witness-conflict = Another source reports different counts for this table (log entries { $indexes }).
witness-log-key-changed = This server presents a different log key from the one this phone trusted before. Nothing will be sent: tell your organisation.
witness-flag-candidate_sum_mismatch = The candidates' votes do not add up to the valid votes.
witness-flag-valid_plus_null_exceeds_voters = Valid plus null votes exceed the voters.
witness-flag-voters_exceed_registered = More voters than registered voters.
witness-flag-qr_mismatch = The QR text typed disagrees with the counts.
witness-flag-conflicts_with_earlier = Differs from a sheet logged earlier for this table.
witness-flag-qr_unreadable = The sheet's QR code could not be read.
witness-flag-photo_qr_mismatch = The QR code on the photo disagrees with the counts you typed. If you mistyped, send a correction.
witness-compare = What you typed beside what the photo's QR code says:
witness-error-offline = No connection: it will be sent automatically.
witness-error-unknown_key = Your key is not enrolled yet: the sheet is kept and can be sent again once the operator approves your request.
witness-error-revoked_key = Your key was revoked: the server refuses its sheets. The sheet is kept on this phone; contact your organisation.
witness-error-expired_key = Your key's enrolment is not valid at the time you signed. The sheet is kept on this phone; contact your organisation.
witness-error-out_of_scope = This table is outside the unit your key is enrolled for. The sheet is kept on this phone.
witness-error-wrong_role = Your key's role may not sign this kind of sheet.
witness-error-duplicate_sheet = You already sent a sheet for this table: send a correction instead.
witness-error-bad_signature = The signature did not verify: this sheet was altered on the phone. Sign it again.
witness-error-unknown_table = The server does not know this table.
witness-error-clock_skew = This phone's clock is wrong, or the sheet waited more than 3 days. Set the clock and sign again.
witness-error-rate_limited = The server is busy: it will be sent again shortly.
witness-error-overloaded = The server is busy: it will be sent again shortly.
witness-error-unavailable = The server cannot log right now: it will be sent again shortly.
witness-error-other = Refused ({ $code }): { $message }
