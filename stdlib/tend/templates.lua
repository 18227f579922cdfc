--- Message templates (DOMAIN C1-C4): the catalogue of customer emails as
--- data, in English, Brazilian Portuguese, Spanish and Malay, and the
--- functions that pick, check and render them.
---
--- Placeholders are {{name}} or {{a.b}} paths into the variables given to
--- `render`. A string or number is inserted as text; a list of strings
--- becomes one "- item" line each (achievements, action items); anything
--- else, or a name the variables lack, raises an error naming the
--- placeholder and the template, so a message never goes out half-filled.
--- `check` finds the same mistakes when a playbook loads.
local M = {}

-- DOMAIN C4: the languages of the source texts; English is the fallback.
M.LOCALES = { "en", "pt-BR", "es", "ms" }
M.FALLBACK = "en"

-- The placeholders the catalogue uses, and what each holds.
M.VARS = {
  ["account.name"]   = "the customer's company name",
  champion_name      = "the customer's champion (first name)",
  csm_name           = "the sender: the account's CSM or specialist",
  kickoff_date       = "date of the kickoff meeting",
  action_items       = "list: action items agreed at the kickoff",
  next_check_in      = "date of the first weekly check-in",
  days_idle          = "days without a login",
  help_link          = "link to a help article or guide",
  feature_name       = "the feature the email explains",
  module_name        = "the training module just completed",
  next_module        = "the training module unlocked next",
  training_link      = "link to the next module",
  week_summary       = "list: what the team did this week, with numbers",
  goal               = "the customer's stated goal, as agreed at kickoff",
  survey_link        = "link to the survey",
  achievements       = "list: what the customer achieved, with numbers (C2)",
  reason             = "the specific reason for the extension (C3)",
  focus_actions      = "list: what happens before the new date (C3)",
  new_target_date    = "the new graduation date (C3)",
  readiness_criteria = "how readiness will be judged (C3)",
  renewal_date       = "the contract's renewal date",
}

-- Which DOMAIN rules each template serves.
M.ABOUT = {
  welcome          = "C1 welcome, day 0; P1 next steps and kickoff invite",
  welcome_self_serve = "C1 welcome, day 0, for tech touch; O3 self-serve first week, no kickoff (T3)",
  kickoff_summary  = "C1 kickoff confirmation; P2 summary with action items",
  reengagement     = "C1 stuck/at-risk re-engagement; P3, P4",
  feature_howto    = "P4 feature unused",
  training_next    = "P5 module completed, next module",
  weekly_summary   = "P4 weekly usage summary",
  survey_goal      = "P7 day-30 survey: have you achieved your stated goal?",
  celebration      = "C1 milestone celebration; C2 achievements with numbers; P6",
  extension_notice = "C1 extension notice; C3 reason, focus actions, new date, readiness",
  renewal_open     = "J7 open the renewal conversation",
}

M.CATALOGUE = {
  welcome = {
    en = {
      subject = "Welcome, {{account.name}}: your next steps",
      body = [[
Hi {{champion_name}},

Welcome aboard! I'm {{csm_name}}, and I'll guide {{account.name}} through onboarding.

Your next steps:
- Kickoff meeting on {{kickoff_date}} (the invitation is on its way)
- Think about what success looks like for your team: we'll agree on it at the kickoff
- Tell us who else should take part in the rollout

Questions? Just reply to this email.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Boas-vindas, {{account.name}}: seus próximos passos",
      body = [[
Olá, {{champion_name}},

Seja bem-vindo(a)! Sou {{csm_name}} e vou acompanhar a {{account.name}} durante o onboarding.

Próximos passos:
- Reunião de kickoff em {{kickoff_date}} (o convite já está a caminho)
- Pense no que significa sucesso para a sua equipe: vamos definir isso juntos no kickoff
- Conte para nós quem mais deve participar da implantação

Dúvidas? É só responder a este e-mail.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "Bienvenidos, {{account.name}}: sus próximos pasos",
      body = [[
Hola, {{champion_name}}:

¡Bienvenido/a! Soy {{csm_name}} y acompañaré a {{account.name}} durante el onboarding.

Próximos pasos:
- Reunión de kickoff el {{kickoff_date}} (la invitación ya está en camino)
- Piense qué significa el éxito para su equipo: lo definiremos juntos en el kickoff
- Díganos quién más debe participar en la implementación

¿Preguntas? Basta con responder a este correo.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Selamat datang, {{account.name}}: langkah seterusnya",
      body = [[
Hai {{champion_name}},

Selamat datang! Saya {{csm_name}} dan saya akan membimbing {{account.name}} sepanjang proses onboarding.

Langkah seterusnya:
- Mesyuarat kickoff pada {{kickoff_date}} (jemputan sedang dihantar)
- Fikirkan maksud kejayaan bagi pasukan anda: kita akan menetapkannya bersama semasa kickoff
- Beritahu kami siapa lagi yang patut menyertai pelaksanaan

Ada soalan? Balas sahaja e-mel ini.

Salam hormat,
{{csm_name}}]],
    },
  },

  -- O3, T3: a tech-touch customer sets up alone in its first week, guided
  -- by emails (day 1, 3, 7); no kickoff meeting is promised.
  welcome_self_serve = {
    en = {
      subject = "Welcome, {{account.name}}: get set up this week",
      body = [[
Hi {{champion_name}},

Welcome aboard! {{account.name}} can be up and running this week, at your own pace. Start with the setup guide: {{help_link}}

Your first week:
- Today: set up your account with the guide
- Day 3: invite the people who will use it every day
- Day 7: check what your team has done; we'll send you a short checklist

Questions? Just reply to this email.

Best regards,
The Customer Success team]],
    },
    ["pt-BR"] = {
      subject = "Boas-vindas, {{account.name}}: configure tudo nesta semana",
      body = [[
Olá, {{champion_name}},

Seja bem-vindo(a)! A {{account.name}} pode começar a usar nesta semana, no seu ritmo. Comece pelo guia de configuração: {{help_link}}

Sua primeira semana:
- Hoje: configure a conta seguindo o guia
- Dia 3: convide quem vai usar no dia a dia
- Dia 7: veja o que a equipe já fez; enviaremos uma lista de verificação curta

Dúvidas? É só responder a este e-mail.

Abraços,
Equipe de Sucesso do Cliente]],
    },
    es = {
      subject = "Bienvenidos, {{account.name}}: todo listo esta semana",
      body = [[
Hola, {{champion_name}}:

¡Bienvenido/a! {{account.name}} puede empezar a trabajar esta misma semana, a su ritmo. Comience con la guía de configuración: {{help_link}}

Su primera semana:
- Hoy: configure la cuenta con la guía
- Día 3: invite a quienes la usarán a diario
- Día 7: revise lo que ha hecho su equipo; le enviaremos una breve lista de verificación

¿Preguntas? Basta con responder a este correo.

Saludos cordiales,
El equipo de Éxito del Cliente]],
    },
    ms = {
      subject = "Selamat datang, {{account.name}}: siap sedia minggu ini",
      body = [[
Hai {{champion_name}},

Selamat datang! {{account.name}} boleh mula digunakan minggu ini, mengikut rentak anda sendiri. Mulakan dengan panduan persediaan: {{help_link}}

Minggu pertama anda:
- Hari ini: sediakan akaun anda dengan panduan
- Hari ke-3: jemput mereka yang akan menggunakannya setiap hari
- Hari ke-7: semak apa yang telah dilakukan pasukan anda; kami akan menghantar senarai semak ringkas

Ada soalan? Balas sahaja e-mel ini.

Salam hormat,
Pasukan Kejayaan Pelanggan]],
    },
  },

  kickoff_summary = {
    en = {
      subject = "Kickoff summary and next steps for {{account.name}}",
      body = [[
Hi {{champion_name}},

Thank you for a productive kickoff. Here are the action items we agreed on:
{{action_items}}

Our regular check-ins start on {{next_check_in}}. Each one covers progress, blockers and the next milestone.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Resumo do kickoff e próximos passos da {{account.name}}",
      body = [[
Olá, {{champion_name}},

Obrigado pelo ótimo kickoff. Estes são os itens de ação que combinamos:
{{action_items}}

Nossos check-ins regulares começam em {{next_check_in}}. Em cada um, revisamos o progresso, os bloqueios e o próximo marco.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "Resumen del kickoff y próximos pasos para {{account.name}}",
      body = [[
Hola, {{champion_name}}:

Gracias por un kickoff muy productivo. Estas son las acciones que acordamos:
{{action_items}}

Nuestros check-ins periódicos comienzan el {{next_check_in}}. En cada uno revisaremos el avance, los bloqueos y el próximo hito.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Ringkasan kickoff dan langkah seterusnya untuk {{account.name}}",
      body = [[
Hai {{champion_name}},

Terima kasih atas sesi kickoff yang produktif. Berikut ialah tindakan yang telah kita persetujui:
{{action_items}}

Sesi semakan berkala kita bermula pada {{next_check_in}}. Setiap sesi meliputi kemajuan, halangan dan pencapaian seterusnya.

Salam hormat,
{{csm_name}}]],
    },
  },

  reengagement = {
    en = {
      subject = "Can we help you get started, {{champion_name}}?",
      body = [[
Hi {{champion_name}},

We noticed that no one at {{account.name}} has logged in for {{days_idle}} days. Getting stuck early is common, and it is usually quick to fix.

This guide covers the first steps: {{help_link}}

Or reply to this email and I'll set up a short call this week.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Podemos ajudar vocês a começar, {{champion_name}}?",
      body = [[
Olá, {{champion_name}},

Percebemos que ninguém da {{account.name}} acessa a plataforma há {{days_idle}} dias. Travar no começo é comum e costuma ser rápido de resolver.

Este guia mostra os primeiros passos: {{help_link}}

Ou responda a este e-mail e eu marco uma conversa rápida ainda esta semana.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "¿Le ayudamos a empezar, {{champion_name}}?",
      body = [[
Hola, {{champion_name}}:

Notamos que nadie de {{account.name}} ha iniciado sesión en {{days_idle}} días. Atascarse al principio es común y suele resolverse rápido.

Esta guía explica los primeros pasos: {{help_link}}

O responda a este correo y agendaré una llamada breve esta semana.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Boleh kami bantu anda bermula, {{champion_name}}?",
      body = [[
Hai {{champion_name}},

Kami dapati tiada sesiapa di {{account.name}} log masuk sejak {{days_idle}} hari lalu. Tersekat pada peringkat awal adalah perkara biasa dan biasanya cepat diselesaikan.

Panduan ini menerangkan langkah pertama: {{help_link}}

Atau balas e-mel ini dan saya akan mengatur panggilan ringkas minggu ini.

Salam hormat,
{{csm_name}}]],
    },
  },

  feature_howto = {
    en = {
      subject = "How to use {{feature_name}}",
      body = [[
Hi {{champion_name}},

Teams like yours get a lot out of {{feature_name}}, and {{account.name}} has not tried it yet. This short guide shows how to set it up in a few minutes:
{{help_link}}

Reply to this email if you'd like a hand.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Como usar {{feature_name}}",
      body = [[
Olá, {{champion_name}},

Equipes como a sua aproveitam muito {{feature_name}}, e a {{account.name}} ainda não o experimentou. Este guia rápido mostra como configurá-lo em poucos minutos:
{{help_link}}

Se quiser ajuda, é só responder a este e-mail.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "Cómo usar {{feature_name}}",
      body = [[
Hola, {{champion_name}}:

Los equipos como el suyo sacan mucho provecho de {{feature_name}}, y {{account.name}} todavía no lo ha probado. Esta guía breve muestra cómo configurarlo en pocos minutos:
{{help_link}}

Si necesita ayuda, responda a este correo.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Cara menggunakan {{feature_name}}",
      body = [[
Hai {{champion_name}},

Pasukan seperti anda mendapat banyak manfaat daripada {{feature_name}}, tetapi {{account.name}} belum mencubanya. Panduan ringkas ini menunjukkan cara menyediakannya dalam beberapa minit:
{{help_link}}

Balas e-mel ini jika anda memerlukan bantuan.

Salam hormat,
{{csm_name}}]],
    },
  },

  training_next = {
    en = {
      subject = "Well done on {{module_name}}: next up, {{next_module}}",
      body = [[
Hi {{champion_name}},

Congratulations on completing {{module_name}}! The next module, {{next_module}}, is now unlocked:
{{training_link}}

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Parabéns por concluir {{module_name}}: o próximo é {{next_module}}",
      body = [[
Olá, {{champion_name}},

Parabéns por concluir o módulo {{module_name}}! O próximo módulo, {{next_module}}, já está liberado:
{{training_link}}

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "¡Bien hecho con {{module_name}}! Sigue {{next_module}}",
      body = [[
Hola, {{champion_name}}:

¡Felicidades por completar {{module_name}}! El siguiente módulo, {{next_module}}, ya está disponible:
{{training_link}}

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Tahniah kerana menamatkan {{module_name}}: seterusnya {{next_module}}",
      body = [[
Hai {{champion_name}},

Tahniah kerana berjaya menamatkan {{module_name}}! Modul seterusnya, {{next_module}}, kini sudah dibuka:
{{training_link}}

Salam hormat,
{{csm_name}}]],
    },
  },

  weekly_summary = {
    en = {
      subject = "{{account.name}}: your week in review",
      body = [[
Hi {{champion_name}},

Here is what your team accomplished this week:
{{week_summary}}

Keep it up! Reply to this email if anything is slowing you down.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "{{account.name}}: o resumo da sua semana",
      body = [[
Olá, {{champion_name}},

Veja o que a sua equipe realizou nesta semana:
{{week_summary}}

Continue assim! Se algo estiver atrapalhando, responda a este e-mail.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "{{account.name}}: el resumen de su semana",
      body = [[
Hola, {{champion_name}}:

Esto es lo que su equipo logró esta semana:
{{week_summary}}

¡Sigan así! Si algo los está frenando, responda a este correo.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "{{account.name}}: ringkasan minggu anda",
      body = [[
Hai {{champion_name}},

Berikut ialah pencapaian pasukan anda minggu ini:
{{week_summary}}

Teruskan usaha! Balas e-mel ini jika ada apa-apa yang melambatkan anda.

Salam hormat,
{{csm_name}}]],
    },
  },

  survey_goal = {
    en = {
      subject = "One minute: have you reached your goal?",
      body = [[
Hi {{champion_name}},

When {{account.name}} started with us, your goal was: {{goal}}.

Have you achieved it? Please tell us in this one-minute survey: {{survey_link}}

Your answer tells us whether onboarding is complete or where we should help next.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Um minuto: vocês alcançaram o seu objetivo?",
      body = [[
Olá, {{champion_name}},

Quando a {{account.name}} começou conosco, o objetivo era: {{goal}}.

Vocês alcançaram esse objetivo? Conte para nós nesta pesquisa de um minuto: {{survey_link}}

A sua resposta nos diz se o onboarding está concluído ou onde devemos ajudar em seguida.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "Un minuto: ¿alcanzaron su objetivo?",
      body = [[
Hola, {{champion_name}}:

Cuando {{account.name}} empezó con nosotros, su objetivo era: {{goal}}.

¿Lo han alcanzado? Cuéntenos en esta encuesta de un minuto: {{survey_link}}

Su respuesta nos indica si el onboarding está completo o dónde debemos ayudar a continuación.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Satu minit: sudahkah anda mencapai matlamat anda?",
      body = [[
Hai {{champion_name}},

Semasa {{account.name}} mula bersama kami, matlamat anda ialah: {{goal}}.

Sudahkah anda mencapainya? Beritahu kami melalui tinjauan satu minit ini: {{survey_link}}

Jawapan anda memberitahu kami sama ada onboarding sudah selesai atau di mana kami perlu membantu seterusnya.

Salam hormat,
{{csm_name}}]],
    },
  },

  celebration = {
    en = {
      subject = "{{account.name}} reached its goals: congratulations!",
      body = [[
Hi {{champion_name}},

Congratulations! Here is what {{account.name}} achieved during onboarding:
{{achievements}}

These results are your team's work, and they are worth sharing. Would you be open to telling your story in a short testimonial or case study?

Next, we'll plan the next phase together with the customer success manager who will support you from here.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "A {{account.name}} alcançou as suas metas: parabéns!",
      body = [[
Olá, {{champion_name}},

Parabéns! Veja o que a {{account.name}} conquistou durante o onboarding:
{{achievements}}

Esses resultados são fruto do trabalho da sua equipe e merecem ser compartilhados. Vocês topariam contar essa história em um depoimento ou estudo de caso?

Em seguida, vamos planejar a próxima fase junto com o CSM que acompanhará vocês daqui em diante.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "{{account.name}} alcanzó sus metas: ¡felicidades!",
      body = [[
Hola, {{champion_name}}:

¡Felicidades! Esto es lo que {{account.name}} logró durante el onboarding:
{{achievements}}

Estos resultados son fruto del trabajo de su equipo y vale la pena compartirlos. ¿Estarían dispuestos a contar su historia en un testimonio o caso de éxito?

A continuación, planificaremos la siguiente fase junto con el CSM que los acompañará de aquí en adelante.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "{{account.name}} telah mencapai matlamatnya: tahniah!",
      body = [[
Hai {{champion_name}},

Tahniah! Berikut ialah pencapaian {{account.name}} sepanjang onboarding:
{{achievements}}

Hasil ini ialah usaha pasukan anda dan wajar dikongsi. Sudikah anda berkongsi kisah ini dalam testimoni atau kajian kes yang ringkas?

Seterusnya, kita akan merancang fasa berikutnya bersama CSM yang akan menyokong anda selepas ini.

Salam hormat,
{{csm_name}}]],
    },
  },

  extension_notice = {
    en = {
      subject = "Onboarding update: new target date {{new_target_date}}",
      body = [[
Hi {{champion_name}},

We are extending {{account.name}}'s onboarding to {{new_target_date}}.

Reason: {{reason}}

What we will focus on until then:
{{focus_actions}}

How we will judge readiness: {{readiness_criteria}}

We'll check in more often until then. Reply to this email if you'd like to discuss the plan.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Atualização do onboarding: nova data-alvo {{new_target_date}}",
      body = [[
Olá, {{champion_name}},

Vamos estender o onboarding da {{account.name}} até {{new_target_date}}.

Motivo: {{reason}}

No que vamos focar até lá:
{{focus_actions}}

Como vamos avaliar a prontidão: {{readiness_criteria}}

Até lá, faremos check-ins com mais frequência. Se quiser conversar sobre o plano, é só responder a este e-mail.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "Actualización del onboarding: nueva fecha objetivo {{new_target_date}}",
      body = [[
Hola, {{champion_name}}:

Vamos a extender el onboarding de {{account.name}} hasta el {{new_target_date}}.

Motivo: {{reason}}

En qué nos enfocaremos hasta entonces:
{{focus_actions}}

Cómo evaluaremos si están listos: {{readiness_criteria}}

Mientras tanto, haremos check-ins con más frecuencia. Si desea conversar sobre el plan, responda a este correo.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Kemas kini onboarding: tarikh sasaran baharu {{new_target_date}}",
      body = [[
Hai {{champion_name}},

Kami akan melanjutkan onboarding {{account.name}} sehingga {{new_target_date}}.

Sebab: {{reason}}

Fokus kami sehingga tarikh itu:
{{focus_actions}}

Cara kami menilai kesediaan: {{readiness_criteria}}

Sehingga itu, kami akan mengadakan sesi semakan dengan lebih kerap. Balas e-mel ini jika anda ingin berbincang tentang pelan ini.

Salam hormat,
{{csm_name}}]],
    },
  },

  renewal_open = {
    en = {
      subject = "Planning {{account.name}}'s renewal",
      body = [[
Hi {{champion_name}},

Your contract renews on {{renewal_date}}. Before then, I'd like to review together the value {{account.name}} has gained so far, your goals for the coming year and any changes you need.

Could we book 30 minutes in the next two weeks? Reply with a time that suits you.

Best regards,
{{csm_name}}]],
    },
    ["pt-BR"] = {
      subject = "Planejando a renovação da {{account.name}}",
      body = [[
Olá, {{champion_name}},

O seu contrato será renovado em {{renewal_date}}. Antes disso, gostaria de revisar com você o valor que a {{account.name}} já obteve, os seus objetivos para o próximo ano e qualquer ajuste necessário.

Podemos marcar 30 minutos nas próximas duas semanas? Responda com o horário que for melhor para você.

Abraços,
{{csm_name}}]],
    },
    es = {
      subject = "Planificando la renovación de {{account.name}}",
      body = [[
Hola, {{champion_name}}:

Su contrato se renueva el {{renewal_date}}. Antes de esa fecha, me gustaría revisar juntos el valor que {{account.name}} ha obtenido hasta ahora, sus objetivos para el próximo año y cualquier cambio que necesiten.

¿Podemos agendar 30 minutos en las próximas dos semanas? Responda con el horario que mejor le convenga.

Saludos cordiales,
{{csm_name}}]],
    },
    ms = {
      subject = "Merancang pembaharuan kontrak {{account.name}}",
      body = [[
Hai {{champion_name}},

Kontrak anda akan diperbaharui pada {{renewal_date}}. Sebelum itu, saya ingin menyemak bersama nilai yang telah diperoleh {{account.name}} setakat ini, matlamat anda untuk tahun hadapan dan sebarang perubahan yang diperlukan.

Bolehkah kita menetapkan 30 minit dalam dua minggu akan datang? Balas dengan masa yang sesuai untuk anda.

Salam hormat,
{{csm_name}}]],
    },
  },
}

-- Placeholders -------------------------------------------------------------

local NAME = "^[%a_][%w_]*$"

--- A placeholder's inside is a name or a dotted path of names.
local function valid(inner)
  for part in (inner .. "."):gmatch("([^.]*)%.") do
    if not part:match(NAME) then return false end
  end
  return true
end

--- Every {{...}} in text, in order: {name = trimmed inside, ok = valid?};
--- a "{{" with no closing "}}" is reported as not ok.
local function scan(text)
  local out, pos = {}, 1
  while true do
    local open = text:find("{{", pos, true)
    if open == nil then break end
    local close = text:find("}}", open + 2, true)
    if close == nil then
      out[#out + 1] = { name = text:sub(open + 2, open + 22), ok = false }
      break
    end
    local inner = text:sub(open + 2, close - 1):match("^%s*(.-)%s*$")
    out[#out + 1] = { name = inner, ok = valid(inner) }
    pos = close + 2
  end
  return out
end

--- The placeholder names in a text, each once, in order of appearance
--- (malformed ones left out; `check` reports them).
---@param text string
---@return string[]
function M.placeholders(text)
  local out, seen = {}, {}
  for _, p in ipairs(scan(text)) do
    if p.ok and not seen[p.name] then
      seen[p.name] = true
      out[#out + 1] = p.name
    end
  end
  return out
end

-- Rendering ------------------------------------------------------------------

--- The value at a dotted path, or nil.
local function lookup(vars, path)
  local v = vars
  for part in path:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    v = v[part]
  end
  return v
end

local function number_text(v)
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2 ^ 53 then
    return string.format("%d", v)
  end
  return tostring(v)
end

--- A value as text: strings and numbers as they are, a list of them as
--- "- item" lines; nil for anything else.
local function as_text(v)
  local kind = type(v)
  if kind == "string" then return v end
  if kind == "number" then return number_text(v) end
  if kind ~= "table" then return nil end
  local lines = {}
  for i = 1, #v do
    local item = v[i]
    if type(item) == "number" then item = number_text(item) end
    if type(item) ~= "string" then return nil end
    lines[i] = "- " .. item
  end
  if #lines == 0 and next(v) ~= nil then return nil end -- a map, not a list
  return table.concat(lines, "\n")
end

--- Fills {{placeholders}} from `vars` ({{a.b}} is vars.a.b). Raises on a
--- placeholder the variables lack, on a value that is not text, a number
--- or a list of those, and on a malformed {{...}}; the error names the
--- placeholder and `name` (the template, e.g. "welcome (pt-BR) subject").
---@param text string
---@param vars table
---@param name? string
---@return string
function M.render(text, vars, name)
  local where = name and ("template " .. name) or "template"
  for _, p in ipairs(scan(text)) do
    if not p.ok then error(string.format("%s: malformed placeholder {{%s}}", where, p.name), 0) end
  end
  return (text:gsub("{{(.-)}}", function(inner)
    local path = inner:match("^%s*(.-)%s*$")
    local v = lookup(vars or {}, path)
    if v == nil then error(string.format("%s: unknown placeholder {{%s}}", where, path), 0) end
    local s = as_text(v)
    if s == nil then
      error(string.format("%s: placeholder {{%s}} is a %s, not text, a number or a list of them",
                          where, path, type(v)), 0)
    end
    return s
  end))
end

-- Picking a locale -------------------------------------------------------------

--- "pt_br" -> "pt-br": separators and case do not matter.
local function norm(locale) return (tostring(locale):gsub("_", "-"):lower()) end

--- DOMAIN C4: the template `name` in `locale`, falling back from the exact
--- locale ("pt-BR", any case, "_" or "-") to its language ("pt"), to
--- another region of that language (sorted first), to English. Raises
--- when the template does not exist or has neither.
---@param catalogue table  name -> locale -> {subject, body}
---@param name string
---@param locale? string
---@return {subject: string, body: string} message, string locale
function M.pick(catalogue, name, locale)
  local entry = catalogue[name]
  if entry == nil then error(string.format("unknown template '%s'", tostring(name)), 2) end
  local keys = {}
  for k in pairs(entry) do keys[#keys + 1] = k end
  table.sort(keys)
  if locale ~= nil then
    local want = norm(locale)
    local lang = want:match("^[^-]+")
    for _, k in ipairs(keys) do if norm(k) == want then return entry[k], k end end
    for _, k in ipairs(keys) do if norm(k) == lang then return entry[k], k end end
    for _, k in ipairs(keys) do if norm(k):match("^[^-]+") == lang then return entry[k], k end end
  end
  if entry[M.FALLBACK] ~= nil then return entry[M.FALLBACK], M.FALLBACK end
  error(string.format("template '%s' has no '%s' text and none in English", tostring(name), tostring(locale)), 2)
end

--- A rendered message: pick, then render subject and body.
---@param catalogue table
---@param name string
---@param locale? string
---@param vars table
---@return {subject: string, body: string, locale: string}
function M.message(catalogue, name, locale, vars)
  local m, chosen = M.pick(catalogue, name, locale)
  local label = name .. " (" .. chosen .. ") "
  return {
    subject = M.render(m.subject, vars, label .. "subject"),
    body = M.render(m.body, vars, label .. "body"),
    locale = chosen,
  }
end

-- Checking a catalogue -----------------------------------------------------------

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(x, y) return tostring(x) < tostring(y) end)
  return ks
end

--- Load-time validation of a catalogue: every template has English
--- (the fallback, C4), a subject and a body in each locale, only known
--- placeholders (`known_vars`: a list or set of names; "account" allows
--- every account.* path) and no malformed ones, and each translation
--- uses the same placeholders as English. Returns the problems found,
--- empty when there are none.
---@param catalogue table
---@param known_vars? string[]|table<string, any>  default: the keys of M.VARS
---@return string[]
function M.check(catalogue, known_vars)
  local known = {}
  for k, v in pairs(known_vars or M.VARS) do
    if type(k) == "number" then known[v] = true else known[k] = true end
  end
  local function is_known(name)
    if known[name] then return true end
    local prefix = name
    while true do
      prefix = prefix:match("^(.*)%.[^.]*$")
      if prefix == nil then return false end
      if known[prefix] then return true end
    end
  end
  local problems = {}
  local function problem(fmt, ...) problems[#problems + 1] = string.format(fmt, ...) end
  for _, name in ipairs(sorted_keys(catalogue)) do
    local entry = catalogue[name]
    if type(entry) ~= "table" then
      problem("template '%s': expected a table of locales, got %s", tostring(name), type(entry))
    else
      if entry[M.FALLBACK] == nil then problem("template '%s': no '%s' text to fall back to (C4)", name, M.FALLBACK) end
      local reference = {}
      if type(entry[M.FALLBACK]) == "table" then
        for _, part in ipairs({ "subject", "body" }) do
          local text = entry[M.FALLBACK][part]
          if type(text) == "string" then
            for _, p in ipairs(M.placeholders(text)) do reference[p] = true end
          end
        end
      end
      for _, locale in ipairs(sorted_keys(entry)) do
        local m, label = entry[locale], string.format("template '%s' (%s)", name, tostring(locale))
        if type(m) ~= "table" then
          problem("%s: expected {subject = ..., body = ...}, got %s", label, type(m))
        else
          local used = {}
          for _, part in ipairs({ "subject", "body" }) do
            local text = m[part]
            if type(text) ~= "string" or text == "" then
              problem("%s: no %s", label, part)
            else
              for _, p in ipairs(scan(text)) do
                if not p.ok then
                  problem("%s %s: malformed placeholder {{%s}}", label, part, p.name)
                else
                  used[p.name] = true
                  if not is_known(p.name) then problem("%s %s: unknown placeholder {{%s}}", label, part, p.name) end
                end
              end
            end
          end
          if locale ~= M.FALLBACK and type(entry[M.FALLBACK]) == "table" then
            for _, p in ipairs(sorted_keys(reference)) do
              if not used[p] then problem("%s: does not use {{%s}}, which English does", label, p) end
            end
            for _, p in ipairs(sorted_keys(used)) do
              if not reference[p] then problem("%s: uses {{%s}}, which English does not", label, p) end
            end
          end
        end
      end
    end
  end
  return problems
end

return M
