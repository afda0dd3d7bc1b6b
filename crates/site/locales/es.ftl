# Sitio público de testigo: español. Aquí está cada texto que ve el lector.
# Los números llegan formateados como $name; $name_n es el mismo número para las reglas de plural.

skip-to-content = Saltar al contenido
nav-label = Sitio
nav-results = Resultados
nav-search = Busque su mesa
nav-bulletins = Boletines oficiales
nav-downloads = Datos abiertos
nav-observers = Para observadores
language-label = Idioma
breadcrumbs-label = Usted está aquí
national = Nacional
unknown = desconocido
footer-log = Calculado a partir de las primeras { $size } entradas del registro público.
footer-verify = Verifíquelo usted mismo.

home-intro = Día de la elección: { $date }. Cada cifra de esta página se calcula a partir de actas firmadas que están en un registro público, al que solo se pueden añadir entradas y que cualquier persona puede copiar y verificar.
home-bulletins = { $n_n ->
    [one] Compare el boletín oficial con las actas firmadas
   *[other] Compare los { $n } boletines oficiales con las actas firmadas
}

coverage-tables = Mesas con acta
coverage-tables-value = { $reporting } de { $total }
coverage-tables-listed = { $reporting } de las { $total } listadas (no se conoce la lista completa)
coverage-tables-listed-short = { $reporting } de { $total } listadas
coverage-list-incomplete-rows = La elección declara más mesas de las que están listadas, así que la cifra de cada unidad se refiere a las mesas listadas, no a todas sus mesas.
coverage-list-incomplete = La elección declara más mesas de las que aparecen aquí, así que no se conoce la lista completa de mesas de esta unidad.
coverage-undeclared = Incluye { $n } mesas que la elección declara pero que ningún acta ni lista nombra (contadas como faltantes).
coverage-registered = Electores inscritos cubiertos
coverage-registered-value = { $reporting } de { $total }
coverage-registered-unknown = { $reporting } en las mesas con acta; no se conoce la proporción porque { $unknown } mesas no declaran sus electores inscritos
coverage-registered-list-unknown = { $reporting } en las mesas con acta; no se conoce la proporción porque no se conoce la lista completa de mesas de esta unidad
voters-counted = Votos escrutados
table-states = Mesas según la evidencia

state-corroborated = corroborada
state-single = una sola fuente
state-conflicting = en conflicto
state-missing = faltante

verdict-decided = Las actas faltantes no pueden cambiar al ganador: { $leader } aventaja a { $rival } por { $worst } votos incluso en el peor caso, más que los { $missing } electores que podrían tener las mesas faltantes.
verdict-decided-at-cap = En el peor caso, { $leader } aventaja a { $rival } por { $worst } votos. Eso es menos que los { $missing } electores que podrían tener las mesas faltantes, así que el resultado solo está decidido si la participación en ellas no es extrema.
verdict-cap = Decidido si la participación en las mesas faltantes no supera el { $cap }.
verdict-open = Las actas faltantes todavía podrían cambiar al ganador: en el peor caso, { $leader } aventaja a { $rival } por { $worst } votos, y las mesas faltantes podrían tener { $missing } electores.
verdict-no-votes = Todavía no se ha contado ningún voto.
verdict-tie = Los dos candidatos más votados están empatados.
verdict-unit-counted = En las actas contadas aquí, { $leader } aventaja a { $rival } por { $lead } votos.
verdict-unit-unknown-list = No se sabe si las actas faltantes podrían cambiar el resultado de esta unidad: la elección declara mesas que ninguna lista ubica, y algunas podrían estar en esta unidad.
basis-registered = Límite de los electores faltantes: los electores inscritos de las mesas faltantes.
basis-table-bound = Límite de los electores faltantes: los electores inscritos donde están declarados y, para { $tables } mesas que no declaran ninguno, el máximo que puede tener una mesa ({ $max }).
basis-registry-remainder = Límite de los electores faltantes: los electores inscritos donde están declarados y, para { $tables } mesas que no declaran ninguno, lo que queda del registro electoral nacional.

results-caption = Votos por candidato (actas contadas)
candidate = Candidato
votes = Votos
share = Porcentaje
votes-range = entre { $min } y { $max }, según cuál de las actas en conflicto sea la correcta
children-heading = { $level } ({ $n })
no-units = No hay unidades en la lista.
tables-reporting = Mesas con acta
leader = Va adelante
tables-heading = { $n_n ->
    [one] Una mesa
   *[other] { $n } mesas
}
unit-id = Código { $id }
unit-json = Datos (JSON)

checkpoint-size = El registro, firmado por su operador, contiene { $size } entradas.
checkpoint-cosigned = Cofirmado por { $name } el { $time }.
checkpoint-no-cosigners = Este registro no tiene configurado ningún cofirmante independiente.
checkpoint-none = No se pudo verificar el punto de control del registro con la clave que aparece en la página de observadores.
checkpoint-check-yourself = Cómo verificar el registro usted mismo

table-title = Mesa { $id }
table-title-js = Mesa %id
table-registered = { $n } electores inscritos.
table-registered-unknown = Electores inscritos: no se conocen.
table-no-sheets = No se ha presentado ningún acta para esta mesa.
compare-caption = Todas las actas lado a lado; los conteos que difieren están marcados.
compare-not-reported = – : no informado por esa fuente (nunca cuenta como desacuerdo).
sheet-short = #{ $index }
superseded = corregida
differs = (difiere)
null-votes = Votos nulos
blank-votes = Votos en blanco
valid-votes = Votos válidos
sheet-heading = Acta #{ $index }
signed-by = Firmada por
source = Fuente
source-witness = un testigo en la mesa
source-party_agent = un representante de partido
source-official = el resultado oficial
source-bulk_import = un conjunto de datos publicado
role-witness = testigo
role-party_agent = representante de partido
role-importer = importador
role-publisher = publicador
role-observer = observador
signed-at = Fecha de firma
log-entry = Entrada del registro
log-entry-value = { $index } (clave inscrita en la entrada { $enrol })
receipt = comprobante
corrects = Corrige
corrected-by = Corregida por
flags = Alertas
flags-none = ninguna
flag-candidate_sum_mismatch = los votos de los candidatos no suman los votos válidos impresos; compárelos con la foto.
flag-valid_plus_null_exceeds_voters = los votos válidos más los nulos (y en blanco) superan el número de votantes impreso; compárelos con la foto.
flag-voters_exceed_registered = hay más votantes que electores inscritos en esta mesa.
flag-qr_mismatch = el código QR del acta da conteos distintos de los transcritos; uno de los dos está equivocado.
flag-conflicts_with_earlier = otra fuente presentó conteos distintos para esta mesa; compare ambos.
flag-qr_unreadable = no se pudo decodificar el contenido del QR.
flag-photo_qr_mismatch = el código QR leído en la foto difiere de los conteos transcritos o corresponde a otra mesa.
qr-sheet = QR del acta
qr-photo = QR de la foto
qr-matches = coincide con los conteos transcritos
qr-mismatch = difiere de los conteos transcritos
qr-unreadable = no se pudo leer
qr-no_code = sin código QR
qr-signature-verified = firma de la máquina verificada
qr-signature-invalid = firma de la máquina NO VÁLIDA
qr-signature-unknown_key = firmado con una clave desconocida
qr-signature-unsupported_format = formato de firma no compatible
qr-signature-missing = sin firma de la máquina
qr-reading = leído de la foto en la entrada { $index } del registro
photo-alt = Foto del acta de la entrada { $index }
photo-caption = Abra la foto en tamaño completo para ampliarla.

verify-heading = Verificación en su navegador
verify-pending = Verificando…
verify-verified = Verificado: esta página muestra exactamente lo que contiene el registro público, firmado con las claves que aparecen abajo.
verify-failed = La verificación FALLÓ
verify-step-checkpoint = punto de control firmado por el registro y sus cofirmantes
verify-step-consistent = coherente con el punto de control que este navegador verificó antes
verify-step-first = primera visita: este punto de control se recordará para la próxima
verify-step-sheet = incluida en el registro y firmada con su clave inscrita: acta
verify-step-photo = la foto coincide con su SHA-256 registrado: acta
verify-qr-payload = Contenido del QR tal como fue firmado:
verify-dataset = Importada de (tal como fue firmada):
verify-dataset-line = línea
verify-noscript = La verificación necesita JavaScript. Sin él, verifique con `testigo verify` (vea la página de observadores).
verify-trust = Su navegador solo confía en las claves impresas en la página de observadores; compárelas con las publicadas en otros lugares.
verify-keys-link = Claves y comandos

search-label = Código de mesa, centro o nombre de lugar
search-placeholder = p. ej. 010113042.01 o Simón Bolívar
search-button = Buscar
search-help = Escriba un código de mesa, el código o nombre de un centro de votación, o el nombre de un estado, municipio o parroquia. No importan los acentos ni las mayúsculas; basta con el comienzo de cada palabra.
search-none = No hay resultados para “{ $q }”.
search-none-js = No hay resultados para “%q”.
search-more-js = Demasiados lugares coinciden con “%q”: agregue otra palabra o más dígitos del código.
search-count = { $n_n ->
    [one] Un resultado.
   *[other] { $n } resultados.
}
search-count-js = Resultados: %n.
search-more = Solo se muestran los primeros { $max }: escriba más para acotar la búsqueda.

bulletins-intro = Cada cifra anunciada por una autoridad se compara con lo que permiten las actas firmadas, sobre dos bases que se muestran lado a lado: solo la cota del registro electoral (las actas contadas más todos los electores inscritos en las mesas sin acta) y los propios totales anunciados por el boletín, tomados como ciertos. Una cifra fuera del primer rango es imposible, digan lo que digan las actas faltantes; una cifra fuera solo del segundo contradice los propios totales del boletín, no el registro.
bulletins-assumptions = Los supuestos exactos
bulletins-lower = Valor mínimo posible: las actas contadas, tomando cada mesa en conflicto en su valor más bajo, menos las mesas que un boletín parcial puede dejar fuera.
bulletins-upper-registry = Valor máximo posible solo con la cota del registro: las actas contadas, tomando cada mesa en conflicto en su valor más alto, más todos los electores inscritos en las mesas sin acta. No depende de nada del boletín.
bulletins-upper-announced = Valor máximo posible si los propios totales del boletín son ciertos: las actas contadas más los votos válidos que el total de votos válidos anunciado por el boletín deja para las mesas sin acta. Una cifra por encima de él pero dentro de la cota del registro solo es imposible si ese total es correcto.
bulletins-round = Porcentajes redondos: un conteo que es exactamente un porcentaje del total con uno o dos decimales. Según el modelo (cada conteo igualmente probable en cualquier punto a ±0,05 % del total alrededor de su valor, conteos independientes) eso es raro por azar. La probabilidad mostrada vale solo bajo ese modelo, y la prueba se eligió después de ver que las cifras eran redondas (a posteriori), por lo que exagera la evidencia.
bulletins-tables = Comparación por mesa: cuando una autoridad publica resultados por mesa, cada uno se compara con el acta contada de la misma mesa (coincide, difiere o está solo de un lado).
bulletins-none = No hay ningún boletín oficial en el registro.
bulletin-consistent = Todas las cifras anunciadas son posibles, dadas las actas firmadas.
bulletin-impossible = { $n_n ->
    [one] Una cifra anunciada contradice las actas firmadas.
   *[other] { $n } cifras anunciadas contradicen las actas firmadas.
}
bulletin-impossible-registry = { $n_n ->
    [one] Una es imposible digan lo que digan las actas faltantes (fuera de la cota del registro).
   *[other] { $n } son imposibles digan lo que digan las actas faltantes (fuera de la cota del registro).
}
bulletin-impossible-announced = { $n_n ->
    [one] Una solo es imposible si se toman como ciertos los propios totales anunciados por el boletín.
   *[other] { $n } solo son imposibles si se toman como ciertos los propios totales anunciados por el boletín.
}
bulletin-caption = Cifras anunciadas frente a las actas firmadas
figure = Cifra
announced = Anunciada
range-registry = Rango solo con la cota del registro
range-announced = Rango si los propios totales del boletín son ciertos
verdict = Veredicto
bound-consistent = posible
bound-below_counted = imposible: por debajo de las actas firmadas
bound-above-registry = imposible: por encima de la cota del registro
bound-above-announced = imposible solo si los propios totales del boletín son ciertos (dentro de la cota del registro)
bound-excess = diferencia de { $n }
round-summary = { $exact } de { $tested } conteos anunciados son exactamente un porcentaje del total con { $decimals_n ->
    [one] un decimal.
   *[other] { $decimals } decimales.
}
round-chance = Probabilidad según el modelo: aproximadamente { $p } (una prueba a posteriori: véase abajo).
round-caveat = Esta probabilidad vale solo bajo el modelo; no es la probabilidad de que las cifras se hayan inventado. La prueba se eligió después de ver que las cifras eran redondas (a posteriori), por lo que exagera la evidencia.

downloads-intro = Resultados calculados a partir de las primeras { $size } entradas del registro, para que cualquiera los analice.
file = Archivo
bytes = Bytes
file-tables-csv = una fila por mesa y contienda: estado de la evidencia, acta contada, votos
file-tables-json = lo mismo, en JSON
file-units-csv = una fila por unidad en cada nivel y contienda: cobertura, totales, certeza
file-tally-json = la totalización completa, tal como se sirve en /v1/tally
sums-signed = sumas de verificación de estos archivos, firmadas con la clave del registro (una nota firmada)
sums-unsigned = sumas de verificación de estos archivos (esta copia no tiene clave del registro para firmarlas)
openapi = La API JSON se describe en
units-json = Los resultados de cada unidad, con los de sus subunidades y el estado de cada una de sus mesas, en JSON: unos pocos KB cada uno, las mismas cifras que la tabulación completa; la página de cada unidad enlaza el suyo. La elección completa:
mirror-heading = Copie y verifique el registro completo
mirror-intro = Con testigo instalado, estos comandos verifican cada entrada y copian el registro, fotos incluidas, a la carpeta M; cualquier servidor web estático puede servir esa copia.

observers-intro = Todo lo que muestra este sitio se deriva del registro y de estas claves. Compárelas con las que el operador y los cofirmantes publican en otros lugares (sus sitios web, la prensa, el órgano electoral).
log-key = La clave de verificación del registro
operator-key = La clave del operador (firma la elección y las inscripciones de claves)
cosigners = Cofirmantes
cosigners-none = No hay ningún cofirmante configurado: los puntos de control solo llevan la firma del propio registro.
cosigners-policy = Un punto de control solo cuenta si tiene las cofirmas de { $quorum } de estos { $n } cofirmantes independientes:
latest-checkpoint = El punto de control más reciente
check-yourself = Verifíquelo usted mismo
check-yourself-intro = Estos comandos verifican cada entrada, copian el registro y recalculan los resultados en su propia computadora.
not-found = Esta página no existe. Busque su mesa o vuelva a los resultados.

level-state = Estado
level-municipality = Municipio
level-parish = Parroquia
level-centre = Centro de votación
level-center = Centro de votación
level-table = Mesa
level-region = Región
level-province = Provincia
level-department = Departamento
level-district = Distrito
level-zone = Zona
level-section = Sección

nav-questions = Cuestionar las cifras
questions-intro = Las firmas y el registro muestran quién respalda cada acta y que nada se reescribió. Quedan dos preguntas, que se responden aquí con las actas contadas de { $contest } (las primeras { $size } entradas del registro), calculadas desde el registro como todas las cifras de este sitio: ¿llevan las cifras huellas de fabricación?, y ¿cambiaría el resultado un recuento a mano de las papeletas?
questions-forensics = ¿Llevan las cifras huellas de fabricación?
questions-too-few = Solo hay { $n } mesas contadas: muy pocas para estas pruebas, que necesitan al menos { $min }.
questions-caveats = Lo que estas pruebas pueden y no pueden mostrar
caveat-proof = Ninguna prueba de esta página demuestra un fraude, y superarlas no demuestra honestidad: señalan patrones que algunas manipulaciones dejan y que los conteos honestos rara vez muestran, y elecciones honestas pueden desviarse por razones corrientes (tamaño de las mesas, geografía, bastiones).
caveat-digits = Las pruebas de dígitos son evidencia débil: en conteos de unos cientos de votos los dígitos siguen más a la aritmética que a la ley de Benford; lo esperado para el segundo dígito depende de cómo se distribuyen los conteos; y con miles de mesas, desviaciones mínimas resultan «significativas».
caveat-fingerprint = La huella y su esquina cerca del 100 % de participación y el 100 % para el líder son descriptivas: compárelas con otras elecciones del mismo país, no con un umbral.
caveat-integer = Un exceso de porcentajes enteros dice que más mesas de lo que da el azar cayeron en ellos, lo que sugiere cifras escritas hacia una meta; no dice cuáles mesas.
digits-head = Pruebas de dígitos
digits-intro = Sobre las { $n } mesas contadas. Un valor p es la probabilidad de una desviación al menos así de grande si los dígitos siguieran la ley esperada.
col-test = Prueba
col-tables = Mesas
col-statistic = Estadístico
col-p = Valor p
col-reading = Lectura
col-2bl-mean = Media del segundo dígito
col-2bl-p = Segundo dígito, p
col-last-p = Último dígito, p
col-integer = Exceso de porcentajes enteros ± DE
test-2bl-voters = Segundo dígito de los votantes (mesas con al menos 10)
test-last-voters = Último dígito de los votantes (mesas con al menos 10)
test-2bl-leader = Segundo dígito de los votos de { $leader }
test-last-leader = Último dígito de los votos de { $leader }
stat-2bl = media { $mean } (intervalo del 95 %: { $lo } – { $hi }; Benford: { $expected }); χ² { $chi2 } con { $df } grados de libertad
stat-last = χ² { $chi2 } con { $df } grados de libertad; { $share } % terminan en 0 o 5 (se espera 20 %)
reading-departs-clearly = se aparta claramente de la ley esperada
reading-departs = se aparta algo de la ley esperada
reading-consistent = compatible con la ley esperada
fingerprint-head = Participación frente a la proporción del líder
fingerprint-text = De { $n } mesas con electores inscritos, { $corner } ({ $share } %) tienen participación y proporción de { $leader } ambas del 95 % o más: la esquina donde aparece el relleno de urnas en otras elecciones.
fingerprint-over = { $n_n ->
    [one] Una mesa informa más votantes que electores inscritos.
   *[other] { $n } mesas informan más votantes que electores inscritos.
}
integer-head = Porcentajes enteros
integer-text = Entre { $n } mesas con al menos 100 electores inscritos, { $excess } más de lo que da el azar tienen una participación o una proporción del líder a menos de 0,05 puntos de un porcentaje entero (la desviación estándar Monte Carlo sobre { $replicates } elecciones simuladas es { $sd }: { $z } desviaciones estándar).
integer-significant = Es significativo al nivel del 0,1 %.
integer-not-significant = No es significativo al nivel del 0,1 %.
groups-head = Por { $level }
forensics-settings = Intervalos bootstrap de { $bootstrap } remuestreos y una hipótesis nula Monte Carlo de { $replicates } réplicas, semilla { $seed }: `testigo forensics` da las mismas cifras.
chart-fingerprint = Huella: {"{"}n{"}"} mesas, líder {"{"}leader{"}"}
chart-fingerprint-caption = Huella: mesas según participación (horizontal) y proporción del líder (vertical); las celdas más oscuras tienen más mesas.
chart-turnout-axis = participación (votantes / inscritos)
chart-leader-share-axis = votos del líder / votantes
chart-units-axis = mesas
chart-turnout = Participación
chart-leader-share = Proporción del líder: {"{"}leader{"}"}
chart-leader-share-caption = Proporción de { $leader } por mesa
chart-second-digit = Segundo dígito de los votantes frente a la ley de Benford
chart-last-digit = Último dígito de los votantes frente a uno uniforme
chart-digit-axis = dígito (barras: observado; marcas rojas: esperado)
chart-share-axis = proporción
audit-head = ¿Cambiaría el resultado un recuento a mano de las papeletas?
audit-plan = Una auditoría limitadora de riesgo con un límite de riesgo del { $risk }, con las { $tables } mesas contadas como lotes (Kaplan–Markov, mesas sorteadas en proporción a su cota de error), recontaría a mano { $draws } sorteos (unas { $distinct } mesas distintas) si no encontrara errores, para confirmar que { $winner } superó a { $runner } como dicen las actas contadas. Cada error que encuentre la obliga a sortear más, hasta un recuento total a mano.
audit-bravo = Para comparar, una auditoría por sondeo de papeletas (BRAVO) examinaría unas { $ballots } papeletas sorteadas.
audit-scope = Una auditoría compara las actas contadas con las papeletas; no dice nada de las mesas sin acta (de ellas responde el veredicto de certeza en la página de resultados).
audit-no-plan = No se puede planificar una auditoría: { $why }.
audits-logged = Auditorías abiertas en el registro
audits-none = No se ha abierto ninguna auditoría en el registro.
audit-opened = Auditoría abierta en la entrada { $index }: { $contest }, límite de riesgo { $risk }, dados públicos «{ $dice }», comprometida con el punto de control de { $size } entradas.
audit-progress = { $draws } mesas sorteadas hasta ahora, { $counted } de ellas recontadas a mano ({ $hand } recuentos registrados); medida de riesgo P = { $p }.
audit-pair = Ganador informado { $winner }, segundo { $runner }.
audit-verdict-risk_limit_met = Límite de riesgo alcanzado: los recuentos a mano confirman el resultado informado.
audit-verdict-full_hand_count = Se requiere un recuento total a mano.
audit-verdict-waiting_for_hand_counts = A la espera de los recuentos a mano de las mesas sorteadas.
audit-verdict-draw_more = Hay que sortear más mesas.
audit-next = Mesas por recontar a mano:
audit-error = Esta auditoría no se puede recalcular: { $why }
questions-rerun = Recalcúlelo usted mismo, sobre una copia del registro

## La aplicación del testigo (/witness/): sus textos, que recibe como messages.json.
witness-title = testigo — testigo de mesa
witness-language = Idioma
witness-online = en línea
witness-offline = sin conexión: las actas esperan en este teléfono
witness-key-heading = Su clave
witness-key-intro = Su clave se crea en este teléfono y nunca sale de él. Cualquiera puede comprobar lo que firma con la línea de clave de abajo.
witness-holder = Su nombre
witness-organisation = Organización que lo avala
witness-scope = Unidad en la que es testigo (opcional, p. ej. el código de un estado)
witness-key-create = Crear mi clave
witness-key-fill = Indique su nombre y su organización.
witness-key-line = Su línea de clave de verificación (muéstresela al operador que lo inscribe):
witness-key-qr = Código QR de su línea de clave de verificación
witness-request-send = Pedir la inscripción
witness-request-save = Guardar la solicitud como archivo
witness-request-sent = Solicitud enviada. El operador debe aprobarla antes de que sus actas cuenten.
witness-request-refused = El servidor no aceptó la solicitud: { $why }
witness-request-offline = Sin conexión: la solicitud no se envió. Inténtelo con señal, o guárdela como archivo y entréguela al operador.
witness-status-refresh = Comprobar mi inscripción
witness-status-unknown = Inscripción aún sin comprobar.
witness-status-pending = Aún no inscrito: a la espera de que el operador apruebe su solicitud.
witness-status-enrolled = Inscrito como { $role } para { $scope }, válido del { $from } al { $until } (entrada { $index } del registro).
witness-status-revoked = Esta clave fue revocada (entrada { $index } del registro): { $reason }. Las actas que firme se rechazan; pida una nueva inscripción a su organización.
witness-status-expired = La inscripción de esta clave terminó el { $until }. Las actas que firme se rechazan; pida a su organización que la renueve.
witness-status-not-yet = La inscripción de esta clave empieza el { $from }.
witness-status-proven = Comprobado en este teléfono contra el registro (un árbol de { $size } entradas firmado por la clave del registro).
witness-status-unproven = NO se pudo comprobar contra el registro: { $why }
witness-role-witness = testigo
witness-role-party_agent = agente de partido
witness-role-importer = importador
witness-role-publisher = publicador
witness-role-observer = observador (no puede firmar actas)
witness-role-auditor = auditor (no puede firmar actas)
witness-scope-all = toda la elección
witness-capture-heading = Firmar un acta
witness-table = Mesa
witness-table-unknown = No hay ninguna mesa { $table } en esta elección. Revise el código impreso en el acta.
witness-table-out-of-scope = La mesa { $table } está fuera de su unidad ({ $scope }): el servidor la rechazará.
witness-table-offline = Sin conexión: la mesa se comprobará al enviar el acta.
witness-table-needed = Elija primero la mesa.
witness-contest = Elección
witness-photo = Foto del acta
witness-photo-preparing = Preparando la foto…
witness-photo-ready = Foto lista: { $before } KB tomados, { $after } KB a enviar ({ $width } × { $height } píxeles).
witness-counts = Votos tal como están escritos en el acta
witness-null = Votos nulos
witness-blank = Votos en blanco
witness-voters = Electores que votaron
witness-check-whole = Los votos deben ser números enteros, 0 o más.
witness-check-empty = Dejados vacíos, firmados como 0: { $names }.
witness-check-sum = Los votos suman { $sum }, pero votaron { $voters }. Firme lo que dice el acta; la diferencia quedará señalada.
witness-check-registered = Votaron { $voters }, pero la mesa tiene { $registered } electores inscritos.
witness-check-photo = Sin foto: un acta con su foto es una prueba más sólida.
witness-sign = Firmar y enviar
witness-queued = Firmada. Se guarda en este teléfono y se envía en cuanto haya conexión.
witness-correcting = Corrigiendo la entrada { $index } del registro (mesa { $table }): la nueva acta la sustituye.
witness-sheets-heading = Mis actas
witness-sheets-empty = Aún no se ha firmado ningún acta en este teléfono.
witness-state-queued = esperando envío
witness-state-logged = registrada
witness-state-flagged = registrada, señalada
witness-state-corrected = corregida
witness-state-conflict = difiere de otra fuente
witness-state-refused = rechazada
witness-logged-at = En el registro público como entrada { $index }.
witness-receipt-ok = Recibo verificado en este teléfono: el registro firmó un árbol de { $size } entradas que incluye esta acta.
witness-receipt-bad = El recibo NO se pudo verificar: { $why }
witness-receipt-show = Mostrar el recibo
witness-receipt-heading = Recibo
witness-receipt-qr = Código QR de la dirección del recibo
witness-close = Cerrar
witness-correct = Enviar una corrección
witness-retry = Enviar de nuevo
witness-typed = Escrito
witness-photo-says = Lo que dice el QR de la foto
witness-conflict = Otra fuente da votos distintos para esta mesa (entradas { $indexes } del registro).
witness-log-key-changed = Este servidor presenta una clave de registro distinta de la que este teléfono confió antes. No se enviará nada: avise a su organización.
witness-flag-candidate_sum_mismatch = Los votos de los candidatos no suman los votos válidos.
witness-flag-valid_plus_null_exceeds_voters = Los votos válidos más los nulos superan a los votantes.
witness-flag-voters_exceed_registered = Más votantes que electores inscritos.
witness-flag-qr_mismatch = El texto del QR escrito no coincide con los votos.
witness-flag-conflicts_with_earlier = Difiere de un acta registrada antes para esta mesa.
witness-flag-qr_unreadable = No se pudo leer el código QR del acta.
witness-flag-photo_qr_mismatch = El código QR de la foto no coincide con los votos que escribió. Si se equivocó, envíe una corrección.
witness-compare = Lo que escribió junto a lo que dice el código QR de la foto:
witness-error-offline = Sin conexión: se enviará automáticamente.
witness-error-unknown_key = Su clave aún no está inscrita: el acta se guarda y puede enviarse de nuevo cuando el operador apruebe su solicitud.
witness-error-revoked_key = Su clave fue revocada: el servidor rechaza sus actas. El acta se guarda en este teléfono; contacte a su organización.
witness-error-expired_key = La inscripción de su clave no es válida en el momento en que firmó. El acta se guarda en este teléfono; contacte a su organización.
witness-error-out_of_scope = Esta mesa está fuera de la unidad para la que está inscrita su clave. El acta se guarda en este teléfono.
witness-error-wrong_role = El rol de su clave no permite firmar este tipo de acta.
witness-error-duplicate_sheet = Ya envió un acta para esta mesa: envíe una corrección.
witness-error-bad_signature = La firma no se verificó: el acta se alteró en el teléfono. Fírmela de nuevo.
witness-error-unknown_table = El servidor no conoce esta mesa.
witness-error-clock_skew = El reloj de este teléfono está mal, o el acta esperó más de 3 días. Ajuste el reloj y firme de nuevo.
witness-error-rate_limited = El servidor está ocupado: se enviará de nuevo en breve.
witness-error-overloaded = El servidor está ocupado: se enviará de nuevo en breve.
witness-error-unavailable = El servidor no puede registrar ahora: se enviará de nuevo en breve.
witness-error-other = Rechazada ({ $code }): { $message }
