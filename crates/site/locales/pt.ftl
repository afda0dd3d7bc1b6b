# Site público do testigo: português. Todo texto que o leitor vê está aqui.
# Os números chegam formatados como $name; $name_n é o mesmo número, para as regras de plural.

skip-to-content = Pular para o conteúdo
nav-label = Site
nav-results = Resultados
nav-search = Encontre sua mesa
nav-bulletins = Boletins oficiais
nav-downloads = Dados abertos
nav-observers = Para observadores
language-label = Idioma
breadcrumbs-label = Você está aqui
national = Nacional
unknown = desconhecido
footer-log = Calculado a partir das primeiras { $size } entradas do registro público.
footer-verify = Confira você mesmo.

home-intro = Dia da eleição: { $date }. Cada número aqui é calculado a partir de atas assinadas, guardadas em um registro público ao qual só se podem acrescentar entradas e que qualquer pessoa pode copiar e conferir.
home-bulletins = { $n_n ->
    [one] Compare o boletim oficial com as atas assinadas
   *[other] Compare os { $n } boletins oficiais com as atas assinadas
}

coverage-tables = Mesas com ata
coverage-tables-value = { $reporting } de { $total }
coverage-tables-listed = { $reporting } das { $total } listadas (a lista completa não é conhecida)
coverage-tables-listed-short = { $reporting } de { $total } listadas
coverage-list-incomplete-rows = A eleição declara mais mesas do que as listadas, então o número de cada unidade se refere às mesas listadas, não a todas as suas mesas.
coverage-list-incomplete = A eleição declara mais mesas do que as listadas aqui, então a lista completa de mesas desta unidade não é conhecida.
coverage-undeclared = Inclui { $n } mesas que a eleição declara, mas que nenhuma ata ou lista menciona (contadas como faltantes).
coverage-registered = Eleitores registrados cobertos
coverage-registered-value = { $reporting } de { $total }
coverage-registered-unknown = { $reporting } nas mesas com ata; a proporção é desconhecida porque { $unknown } mesas não declaram seus eleitores registrados
coverage-registered-list-unknown = { $reporting } nas mesas com ata; a proporção é desconhecida porque a lista completa de mesas desta unidade não é conhecida
voters-counted = Votos apurados
table-states = Mesas por evidência

state-corroborated = corroborada
state-single = fonte única
state-conflicting = em conflito
state-missing = faltante

verdict-decided = As atas faltantes não podem mudar o vencedor: { $leader } está à frente de { $rival } por { $worst } votos mesmo no pior caso, mais do que os { $missing } eleitores que as mesas faltantes poderiam ter.
verdict-decided-at-cap = No pior caso, { $leader } está à frente de { $rival } por { $worst } votos. Isso é menos do que os { $missing } eleitores que as mesas faltantes poderiam ter, então o resultado só está definido se o comparecimento nelas não for extremo.
verdict-cap = Definido se o comparecimento nas mesas faltantes for de no máximo { $cap }.
verdict-open = As atas faltantes ainda podem mudar o vencedor: no pior caso, { $leader } está à frente de { $rival } por { $worst } votos, e as mesas faltantes poderiam ter { $missing } eleitores.
verdict-no-votes = Nenhum voto foi contado ainda.
verdict-tie = Os dois candidatos mais votados estão empatados.
verdict-unit-counted = Nas atas contadas aqui, { $leader } está à frente de { $rival } por { $lead } votos.
verdict-unit-unknown-list = Não se sabe se as atas faltantes poderiam mudar o resultado desta unidade: a eleição declara mesas que nenhuma lista localiza, e algumas poderiam estar nesta unidade.
basis-registered = Limite de eleitores faltantes: os eleitores registrados das mesas faltantes.
basis-table-bound = Limite de eleitores faltantes: os eleitores registrados onde declarados e, para { $tables } mesas que não declaram nenhum, o máximo que uma mesa pode ter ({ $max }).
basis-registry-remainder = Limite de eleitores faltantes: os eleitores registrados onde declarados e, para { $tables } mesas que não declaram nenhum, o que resta do cadastro eleitoral nacional.

results-caption = Votos por candidato (atas contadas)
candidate = Candidato
votes = Votos
share = Percentual
votes-range = entre { $min } e { $max }, dependendo de qual ata em conflito estiver correta
children-heading = { $level } ({ $n })
no-units = Nenhuma unidade listada.
tables-reporting = Mesas com ata
leader = Na liderança
tables-heading = { $n_n ->
    [one] Uma mesa
   *[other] { $n } mesas
}
unit-id = Código { $id }
unit-json = Dados (JSON)

checkpoint-size = O registro, assinado por seu operador, contém { $size } entradas.
checkpoint-cosigned = Coassinado por { $name } em { $time }.
checkpoint-no-cosigners = Nenhum coassinante independente está configurado para este registro.
checkpoint-none = Não foi possível verificar o ponto de controle do registro com a chave mostrada na página de observadores.
checkpoint-check-yourself = Como conferir o registro você mesmo

table-title = Mesa { $id }
table-title-js = Mesa %id
table-registered = { $n } eleitores registrados.
table-registered-unknown = Eleitores registrados: desconhecido.
table-no-sheets = Nenhuma ata foi enviada para esta mesa.
compare-caption = Todas as atas lado a lado; as contagens divergentes estão marcadas.
compare-not-reported = – : não informado por essa fonte (nunca conta como divergência).
sheet-short = #{ $index }
superseded = corrigida
differs = (diverge)
null-votes = Votos nulos
blank-votes = Votos em branco
valid-votes = Votos válidos
sheet-heading = Ata #{ $index }
signed-by = Assinada por
source = Fonte
source-witness = uma testemunha na mesa
source-party_agent = um fiscal de partido
source-official = o resultado oficial
source-bulk_import = um conjunto de dados publicado
role-witness = testemunha
role-party_agent = fiscal de partido
role-importer = importador
role-publisher = publicador
role-observer = observador
signed-at = Assinada em
log-entry = Entrada do registro
log-entry-value = { $index } (chave cadastrada na entrada { $enrol })
receipt = recibo
corrects = Corrige
corrected-by = Corrigida por
flags = Alertas
flags-none = nenhum
flag-candidate_sum_mismatch = os votos dos candidatos não somam os votos válidos impressos; compare com a foto.
flag-valid_plus_null_exceeds_voters = os votos válidos mais os nulos (e em branco) ultrapassam o número impresso de votantes; compare com a foto.
flag-voters_exceed_registered = há mais votantes do que eleitores registrados nesta mesa.
flag-qr_mismatch = o código QR da ata dá contagens diferentes das digitadas; uma delas está errada.
flag-conflicts_with_earlier = outra fonte enviou contagens diferentes para esta mesa; compare as duas.
flag-qr_unreadable = não foi possível decodificar o conteúdo do QR.
flag-photo_qr_mismatch = o código QR lido na foto difere das contagens digitadas ou indica outra mesa.
qr-sheet = QR na ata
qr-photo = QR na foto
qr-matches = confere com as contagens digitadas
qr-mismatch = difere das contagens digitadas
qr-unreadable = não pôde ser lido
qr-no_code = sem código QR
qr-signature-verified = assinatura da máquina verificada
qr-signature-invalid = assinatura da máquina INVÁLIDA
qr-signature-unknown_key = assinado por uma chave desconhecida
qr-signature-unsupported_format = formato de assinatura não suportado
qr-signature-missing = sem assinatura da máquina
qr-reading = lido da foto na entrada { $index } do registro
photo-alt = Foto da ata da entrada { $index }
photo-caption = Abra a foto em tamanho real para ampliar.

verify-heading = Verificação no seu navegador
verify-pending = Verificando…
verify-verified = Verificado: esta página mostra exatamente o que o registro público contém, assinado pelas chaves abaixo.
verify-failed = A verificação FALHOU
verify-step-checkpoint = ponto de controle assinado pelo registro e por seus coassinantes
verify-step-consistent = consistente com o ponto de controle que este navegador verificou antes
verify-step-first = primeira visita: este ponto de controle será lembrado para a próxima
verify-step-sheet = incluída no registro e assinada por sua chave cadastrada: ata
verify-step-photo = a foto confere com seu SHA-256 registrado: ata
verify-qr-payload = Conteúdo do QR tal como foi assinado:
verify-dataset = Importada de (tal como foi assinada):
verify-dataset-line = linha
verify-noscript = A verificação precisa de JavaScript. Sem ele, confira com `testigo verify` (veja a página de observadores).
verify-trust = Seu navegador confia apenas nas chaves impressas na página de observadores; compare-as com as publicadas em outros lugares.
verify-keys-link = Chaves e comandos

search-label = Código da mesa, local de votação ou nome de lugar
search-placeholder = ex.: 010113042.01 ou Simón Bolívar
search-button = Buscar
search-help = Digite um código de mesa, o código ou o nome de um local de votação, ou o nome de um estado, município ou paróquia. Acentos e maiúsculas não importam; basta o início de cada palavra.
search-none = Nenhum resultado para “{ $q }”.
search-none-js = Nenhum resultado para “%q”.
search-more-js = Lugares demais correspondem a “%q”: acrescente outra palavra ou mais dígitos do código.
search-count = { $n_n ->
    [one] Um resultado.
   *[other] { $n } resultados.
}
search-count-js = Resultados: %n.
search-more = Apenas os primeiros { $max } são mostrados: digite mais para refinar a busca.

bulletins-intro = Cada número anunciado por uma autoridade é comparado com o que as atas assinadas permitem, em duas bases mostradas lado a lado: apenas o limite do cadastro eleitoral (as atas contadas mais todos os eleitores inscritos nas mesas sem ata) e os próprios totais anunciados pelo boletim, tomados como verdadeiros. Um número fora do primeiro intervalo é impossível, não importa o que digam as atas faltantes; um número fora apenas do segundo contradiz os próprios totais do boletim, não o cadastro.
bulletins-assumptions = As premissas exatas
bulletins-lower = Menor valor possível: as atas contadas, tomando cada mesa em conflito pelo seu valor mais baixo, menos as mesas que um boletim parcial pode deixar de fora.
bulletins-upper-registry = Maior valor possível apenas com o limite do cadastro: as atas contadas, tomando cada mesa em conflito pelo seu valor mais alto, mais todos os eleitores inscritos nas mesas sem ata. Não depende de nada do boletim.
bulletins-upper-announced = Maior valor possível se os próprios totais do boletim forem verdadeiros: as atas contadas mais os votos válidos que o total de votos válidos anunciado pelo boletim deixa para as mesas sem ata. Um número acima dele, mas dentro do limite do cadastro, só é impossível se esse total estiver certo.
bulletins-round = Percentuais redondos: uma contagem que é exatamente um percentual do total com uma ou duas casas decimais. Segundo o modelo (cada contagem igualmente provável em qualquer ponto a ±0,05 % do total em torno do seu valor, contagens independentes) isso é raro por acaso. A probabilidade mostrada vale apenas sob esse modelo, e o teste foi escolhido depois de se ver que os números eram redondos (a posteriori), por isso exagera a evidência.
bulletins-tables = Comparação por mesa: quando uma autoridade publica resultados por mesa, cada um é comparado com a ata contada da mesma mesa (coincide, difere ou está só de um lado).
bulletins-none = Não há nenhum boletim oficial no registro.
bulletin-consistent = Todos os números anunciados são possíveis, dadas as atas assinadas.
bulletin-impossible = { $n_n ->
    [one] Um número anunciado contradiz as atas assinadas.
   *[other] { $n } números anunciados contradizem as atas assinadas.
}
bulletin-impossible-registry = { $n_n ->
    [one] Um é impossível, não importa o que digam as atas faltantes (fora do limite do cadastro).
   *[other] { $n } são impossíveis, não importa o que digam as atas faltantes (fora do limite do cadastro).
}
bulletin-impossible-announced = { $n_n ->
    [one] Um só é impossível se os próprios totais anunciados pelo boletim forem tomados como verdadeiros.
   *[other] { $n } só são impossíveis se os próprios totais anunciados pelo boletim forem tomados como verdadeiros.
}
bulletin-caption = Números anunciados comparados com as atas assinadas
figure = Número
announced = Anunciado
range-registry = Intervalo apenas com o limite do cadastro
range-announced = Intervalo se os próprios totais do boletim forem verdadeiros
verdict = Veredito
bound-consistent = possível
bound-below_counted = impossível: abaixo das atas assinadas
bound-above-registry = impossível: acima do limite do cadastro
bound-above-announced = impossível só se os próprios totais do boletim forem verdadeiros (dentro do limite do cadastro)
bound-excess = diferença de { $n }
round-summary = { $exact } de { $tested } contagens anunciadas são exatamente um percentual do total com { $decimals_n ->
    [one] uma casa decimal.
   *[other] { $decimals } casas decimais.
}
round-chance = Probabilidade segundo o modelo: cerca de { $p } (um teste a posteriori: ver abaixo).
round-caveat = Esta probabilidade vale apenas sob o modelo; não é a probabilidade de os números terem sido inventados. O teste foi escolhido depois de se ver que os números eram redondos (a posteriori), por isso exagera a evidência.

downloads-intro = Resultados calculados a partir das primeiras { $size } entradas do registro, para qualquer pessoa analisar.
file = Arquivo
bytes = Bytes
file-tables-csv = uma linha por mesa e disputa: situação da evidência, ata contada, votos
file-tables-json = o mesmo, em JSON
file-units-csv = uma linha por unidade em cada nível e disputa: cobertura, totais, grau de certeza
file-tally-json = a apuração completa, como servida em /v1/tally
sums-signed = somas de verificação destes arquivos, assinadas pela chave do registro (uma nota assinada)
sums-unsigned = somas de verificação destes arquivos (esta cópia não tem chave do registro para assiná-las)
openapi = A API JSON está descrita em
units-json = Os resultados de cada unidade, com os das suas subunidades e o estado de cada uma das suas mesas, em JSON: poucos KB cada, os mesmos números da tabulação completa; a página de cada unidade liga o seu. A eleição inteira:
mirror-heading = Copie e verifique o registro inteiro
mirror-intro = Com o testigo instalado, estes comandos verificam cada entrada e copiam o registro, fotos incluídas, para a pasta M; qualquer servidor web estático pode servir essa cópia.

observers-intro = Tudo neste site decorre do registro e destas chaves. Compare-as com as que o operador e os coassinantes publicam em outros lugares (seus sites, a imprensa, o órgão eleitoral).
log-key = A chave de verificação do registro
operator-key = A chave do operador (assina a eleição e os cadastros de chaves)
cosigners = Coassinantes
cosigners-none = Nenhum coassinante está configurado: os pontos de controle levam apenas a assinatura do próprio registro.
cosigners-policy = Um ponto de controle só vale com coassinaturas de { $quorum } destes { $n } coassinantes independentes:
latest-checkpoint = O ponto de controle mais recente
check-yourself = Confira você mesmo
check-yourself-intro = Estes comandos verificam cada entrada, copiam o registro e recalculam os resultados no seu próprio computador.
not-found = Esta página não existe. Procure sua mesa ou volte aos resultados.

level-state = Estado
level-municipality = Município
level-parish = Paróquia
level-centre = Local de votação
level-center = Local de votação
level-table = Mesa
level-region = Região
level-province = Província
level-department = Departamento
level-district = Distrito
level-zone = Zona
level-section = Seção

nav-questions = Questionar os números
questions-intro = As assinaturas e o registro mostram quem respalda cada boletim e que nada foi reescrito. Restam duas perguntas, respondidas aqui com os boletins contados de { $contest } (as primeiras { $size } entradas do registro), calculados a partir do registro como todos os números deste site: os números trazem marcas de fabricação? Uma recontagem manual das cédulas mudaria o resultado?
questions-forensics = Os números trazem marcas de fabricação?
questions-too-few = Só há { $n } seções contadas: poucas demais para estes testes, que precisam de pelo menos { $min }.
questions-caveats = O que estes testes podem e não podem mostrar
caveat-proof = Nenhum teste desta página prova fraude, e passar neles não prova honestidade: apontam padrões que algumas manipulações deixam e que contagens honestas raramente mostram, e eleições honestas podem se desviar por razões comuns (tamanho das seções, geografia, redutos).
caveat-digits = Os testes de dígitos são evidência fraca: em contagens de algumas centenas de votos os dígitos seguem mais a aritmética do que a lei de Benford; o esperado para o segundo dígito depende de como as contagens se distribuem; e com milhares de seções, desvios mínimos tornam-se «significativos».
caveat-fingerprint = A impressão digital e seu canto perto de 100 % de comparecimento e 100 % para o líder são descritivos: compare-os com outras eleições do mesmo país, não com um limiar.
caveat-integer = Um excesso de porcentagens inteiras diz que mais seções do que o acaso daria caíram nelas, o que sugere números escritos para atingir uma meta; não diz quais seções.
digits-head = Testes de dígitos
digits-intro = Sobre as { $n } seções contadas. Um valor p é a probabilidade de um desvio pelo menos deste tamanho se os dígitos seguissem a lei esperada.
col-test = Teste
col-tables = Seções
col-statistic = Estatística
col-p = Valor p
col-reading = Leitura
col-2bl-mean = Média do segundo dígito
col-2bl-p = Segundo dígito, p
col-last-p = Último dígito, p
col-integer = Excesso de porcentagens inteiras ± DP
test-2bl-voters = Segundo dígito dos votantes (seções com pelo menos 10)
test-last-voters = Último dígito dos votantes (seções com pelo menos 10)
test-2bl-leader = Segundo dígito dos votos de { $leader }
test-last-leader = Último dígito dos votos de { $leader }
stat-2bl = média { $mean } (intervalo de 95 %: { $lo } – { $hi }; Benford: { $expected }); χ² { $chi2 } com { $df } graus de liberdade
stat-last = χ² { $chi2 } com { $df } graus de liberdade; { $share } % terminam em 0 ou 5 (20 % esperado)
reading-departs-clearly = afasta-se claramente da lei esperada
reading-departs = afasta-se um pouco da lei esperada
reading-consistent = compatível com a lei esperada
fingerprint-head = Comparecimento frente à proporção do líder
fingerprint-text = De { $n } seções com eleitores inscritos, { $corner } ({ $share } %) têm comparecimento e proporção de { $leader } ambos de 95 % ou mais: o canto onde o enchimento de urnas aparece em outras eleições.
fingerprint-over = { $n_n ->
    [one] Uma seção informa mais votantes do que eleitores inscritos.
   *[other] { $n } seções informam mais votantes do que eleitores inscritos.
}
integer-head = Porcentagens inteiras
integer-text = Entre { $n } seções com pelo menos 100 eleitores inscritos, { $excess } a mais do que o acaso daria têm comparecimento ou proporção do líder a menos de 0,05 ponto de uma porcentagem inteira (o desvio padrão Monte Carlo sobre { $replicates } eleições simuladas é { $sd }: { $z } desvios padrão).
integer-significant = Isso é significativo ao nível de 0,1 %.
integer-not-significant = Isso não é significativo ao nível de 0,1 %.
groups-head = Por { $level }
forensics-settings = Intervalos bootstrap de { $bootstrap } reamostragens e uma hipótese nula Monte Carlo de { $replicates } réplicas, semente { $seed }: `testigo forensics` dá os mesmos números.
chart-fingerprint = Impressão digital: {"{"}n{"}"} seções, líder {"{"}leader{"}"}
chart-fingerprint-caption = Impressão digital: seções por comparecimento (horizontal) e proporção do líder (vertical); células mais escuras têm mais seções.
chart-turnout-axis = comparecimento (votantes / inscritos)
chart-leader-share-axis = votos do líder / votantes
chart-units-axis = seções
chart-turnout = Comparecimento
chart-leader-share = Proporção do líder: {"{"}leader{"}"}
chart-leader-share-caption = Proporção de { $leader } por seção
chart-second-digit = Segundo dígito dos votantes frente à lei de Benford
chart-last-digit = Último dígito dos votantes frente a um uniforme
chart-digit-axis = dígito (barras: observado; marcas vermelhas: esperado)
chart-share-axis = proporção
audit-head = Uma recontagem manual das cédulas mudaria o resultado?
audit-plan = Uma auditoria limitadora de risco com limite de risco de { $risk }, com as { $tables } seções contadas como lotes (Kaplan–Markov, seções sorteadas em proporção ao seu limite de erro), recontaria à mão { $draws } sorteios (cerca de { $distinct } seções distintas) se não encontrasse erros, para confirmar que { $winner } venceu { $runner } como dizem os boletins contados. Cada erro encontrado a obriga a sortear mais, até uma recontagem manual total.
audit-bravo = Para comparar, uma auditoria por amostragem de cédulas (BRAVO) examinaria cerca de { $ballots } cédulas sorteadas.
audit-scope = Uma auditoria compara os boletins contados com as cédulas; não diz nada das seções sem boletim (delas responde o veredicto de certeza na página de resultados).
audit-no-plan = Não é possível planejar uma auditoria: { $why }.
audits-logged = Auditorias abertas no registro
audits-none = Nenhuma auditoria foi aberta no registro.
audit-opened = Auditoria aberta na entrada { $index }: { $contest }, limite de risco { $risk }, dados públicos «{ $dice }», comprometida com o checkpoint de { $size } entradas.
audit-progress = { $draws } seções sorteadas até agora, { $counted } delas recontadas à mão ({ $hand } recontagens registradas); medida de risco P = { $p }.
audit-pair = Vencedor informado { $winner }, segundo { $runner }.
audit-verdict-risk_limit_met = Limite de risco atingido: as recontagens manuais confirmam o resultado informado.
audit-verdict-full_hand_count = É necessária uma recontagem manual total.
audit-verdict-waiting_for_hand_counts = Aguardando as recontagens manuais das seções sorteadas.
audit-verdict-draw_more = É preciso sortear mais seções.
audit-next = Seções a recontar à mão:
audit-error = Esta auditoria não pode ser recalculada: { $why }
questions-rerun = Recalcule você mesmo, sobre uma cópia do registro

## O aplicativo do fiscal (/witness/): seus textos, servidos como messages.json.
witness-title = testigo — fiscal
witness-language = Idioma
witness-online = conectado
witness-offline = sem conexão: os boletins esperam neste telefone
witness-key-heading = Sua chave
witness-key-intro = Sua chave é criada neste telefone e nunca sai dele. Qualquer pessoa pode conferir o que ela assina com a linha de chave abaixo.
witness-holder = Seu nome
witness-organisation = Organização que responde por você
witness-scope = Unidade em que você fiscaliza (opcional, p. ex. o código de um estado)
witness-key-create = Criar minha chave
witness-key-fill = Informe seu nome e sua organização.
witness-key-line = Sua linha de chave de verificação (mostre-a ao operador que vai cadastrá-lo):
witness-key-qr = Código QR da sua linha de chave de verificação
witness-request-send = Pedir o cadastro
witness-request-save = Salvar o pedido como arquivo
witness-request-sent = Pedido enviado. O operador precisa aprová-lo antes que seus boletins contem.
witness-request-refused = O servidor não aceitou o pedido: { $why }
witness-request-offline = Sem conexão: o pedido não foi enviado. Tente com sinal, ou salve-o como arquivo e entregue ao operador.
witness-status-refresh = Verificar meu cadastro
witness-status-unknown = Cadastro ainda não verificado.
witness-status-pending = Ainda não cadastrado: aguardando o operador aprovar seu pedido.
witness-status-enrolled = Cadastrado como { $role } para { $scope }, válido de { $from } a { $until } (entrada { $index } do registro).
witness-status-revoked = Esta chave foi revogada (entrada { $index } do registro): { $reason }. Os boletins que ela assinar são recusados; peça um novo cadastro à sua organização.
witness-status-expired = O cadastro desta chave terminou em { $until }. Os boletins que ela assinar são recusados; peça à sua organização que o renove.
witness-status-not-yet = O cadastro desta chave começa em { $from }.
witness-status-proven = Conferido neste telefone contra o registro (uma árvore de { $size } entradas assinada pela chave do registro).
witness-status-unproven = NÃO foi possível conferir contra o registro: { $why }
witness-role-witness = fiscal
witness-role-party_agent = delegado de partido
witness-role-importer = importador
witness-role-publisher = publicador
witness-role-observer = observador (não pode assinar boletins)
witness-role-auditor = auditor (não pode assinar boletins)
witness-scope-all = toda a eleição
witness-capture-heading = Assinar um boletim
witness-table = Seção
witness-table-unknown = Não há nenhuma seção { $table } nesta eleição. Confira o código impresso no boletim.
witness-table-out-of-scope = A seção { $table } está fora da sua unidade ({ $scope }): o servidor vai recusá-la.
witness-table-offline = Sem conexão: a seção será conferida quando o boletim for enviado.
witness-table-needed = Escolha a seção primeiro.
witness-contest = Cargo
witness-photo = Foto do boletim
witness-photo-preparing = Preparando a foto…
witness-photo-ready = Foto pronta: { $before } KB tirados, { $after } KB a enviar ({ $width } × { $height } pixels).
witness-counts = Votos como escritos no boletim
witness-null = Votos nulos
witness-blank = Votos em branco
witness-voters = Eleitores que votaram
witness-check-whole = Os votos devem ser números inteiros, 0 ou mais.
witness-check-empty = Deixados em branco, assinados como 0: { $names }.
witness-check-sum = Os votos somam { $sum }, mas votaram { $voters }. Assine o que o boletim diz; a diferença será sinalizada.
witness-check-registered = Votaram { $voters }, mas a seção tem { $registered } eleitores aptos.
witness-check-photo = Sem foto: um boletim com sua foto é uma prova mais forte.
witness-sign = Assinar e enviar
witness-queued = Assinado. Fica guardado neste telefone e é enviado assim que houver conexão.
witness-correcting = Corrigindo a entrada { $index } do registro (seção { $table }): o novo boletim a substitui.
witness-sheets-heading = Meus boletins
witness-sheets-empty = Nenhum boletim assinado neste telefone ainda.
witness-state-queued = aguardando envio
witness-state-logged = registrado
witness-state-flagged = registrado, sinalizado
witness-state-corrected = corrigido
witness-state-conflict = difere de outra fonte
witness-state-refused = recusado
witness-logged-at = No registro público como entrada { $index }.
witness-receipt-ok = Recibo verificado neste telefone: o registro assinou uma árvore de { $size } entradas que inclui este boletim.
witness-receipt-bad = O recibo NÃO foi verificado: { $why }
witness-receipt-show = Mostrar o recibo
witness-receipt-heading = Recibo
witness-receipt-qr = Código QR do endereço do recibo
witness-close = Fechar
witness-correct = Enviar uma correção
witness-retry = Enviar de novo
witness-typed = Digitado
witness-photo-says = O que diz o QR da foto
witness-conflict = Outra fonte informa votos diferentes para esta seção (entradas { $indexes } do registro).
witness-log-key-changed = Este servidor apresenta uma chave de registro diferente da que este telefone confiou antes. Nada será enviado: avise sua organização.
witness-flag-candidate_sum_mismatch = Os votos dos candidatos não somam os votos válidos.
witness-flag-valid_plus_null_exceeds_voters = Os votos válidos mais os nulos superam os votantes.
witness-flag-voters_exceed_registered = Mais votantes que eleitores aptos.
witness-flag-qr_mismatch = O texto do QR digitado não confere com os votos.
witness-flag-conflicts_with_earlier = Difere de um boletim registrado antes para esta seção.
witness-flag-qr_unreadable = Não foi possível ler o código QR do boletim.
witness-flag-photo_qr_mismatch = O código QR da foto não confere com os votos que você digitou. Se digitou errado, envie uma correção.
witness-compare = O que você digitou ao lado do que diz o código QR da foto:
witness-error-offline = Sem conexão: será enviado automaticamente.
witness-error-unknown_key = Sua chave ainda não está cadastrada: o boletim fica guardado e pode ser enviado de novo quando o operador aprovar seu pedido.
witness-error-revoked_key = Sua chave foi revogada: o servidor recusa seus boletins. O boletim fica guardado neste telefone; fale com sua organização.
witness-error-expired_key = O cadastro da sua chave não é válido no momento em que você assinou. O boletim fica guardado neste telefone; fale com sua organização.
witness-error-out_of_scope = Esta seção está fora da unidade para a qual sua chave está cadastrada. O boletim fica guardado neste telefone.
witness-error-wrong_role = O papel da sua chave não permite assinar este tipo de boletim.
witness-error-duplicate_sheet = Você já enviou um boletim para esta seção: envie uma correção.
witness-error-bad_signature = A assinatura não foi verificada: o boletim foi alterado no telefone. Assine de novo.
witness-error-unknown_table = O servidor não conhece esta seção.
witness-error-clock_skew = O relógio deste telefone está errado, ou o boletim esperou mais de 3 dias. Acerte o relógio e assine de novo.
witness-error-rate_limited = O servidor está ocupado: será enviado de novo em breve.
witness-error-overloaded = O servidor está ocupado: será enviado de novo em breve.
witness-error-unavailable = O servidor não pode registrar agora: será enviado de novo em breve.
witness-error-other = Recusado ({ $code }): { $message }
