#include "phrases.hpp"

#include <array>

namespace labctl::sandbox {
namespace {

using Lines = std::vector<std::string>;

struct TopicLines {
  Lines client;
  Lines agent;
};

// Indexed by Topic.
const std::array<TopicLines, kTopicCount>& english() {
  static const std::array<TopicLines, kTopicCount> lines = {{
      {{"Hi! We've reviewed the {page} mockups, looks great, we approve. Go ahead.",
        "Can you send the final version of the {page} for approval? Our CEO wants to sign off by {date}.",
        "Approved from our side, please proceed with development.",
        "Still waiting for approval from marketing, will get back to you tomorrow.",
        "Before we approve, could you make the headline on the {page} a bit bigger?"},
       {"Hi! The {page} design is ready, the Figma link is attached. Please approve so we can start the build.",
        "Friendly reminder: we need your approval on the {page} by {date} to keep the timeline.",
        "Thanks for the approval! Moving the {page} into development today.",
        "Could you please confirm the approval in writing here? Then we schedule the release."}},
      {{"One more thing: can we add a {feature} to the {page}? I know it wasn't in the original brief.",
        "We'd like to rework the checkout flow completely, new requirements attached.",
        "Could you also build a {feature}? Our sales team really needs it before {date}.",
        "Is it possible to add a German version of the site as well?"},
       {"This looks like a change request: the {feature} is outside the current scope. We'll send an estimate of "
        "{hours} hours.",
        "Happy to help! Since it's out of scope, it goes into a separate change request: {hours} h, {amount}.",
        "We've logged it as change request CR-{n}, please approve the estimate before we start."}},
      {{"What's the status? We really need the {page} live by {date}.",
        "Our launch moved to {date}, can you make it?",
        "Are we still on track for the Friday release?",
        "Any update? It's been a few days since we heard from you."},
       {"We're on track: the {page} will be on staging by {date}.",
        "Heads up: the deadline for the {page} slips to {date} because we're still waiting for the content.",
        "Release is planned for {date}, QA is in progress."}},
      {{"Could you resend invoice #{invoice}? Our accounting can't find it.",
        "Invoice #{invoice} was paid yesterday, please confirm you received it.",
        "Can you split the invoice into two payments?"},
       {"Invoice #{invoice} for {amount} is attached, payment terms are 14 days.",
        "Thanks, payment for invoice #{invoice} received!",
        "Friendly reminder: invoice #{invoice} for {amount} is overdue since {date}."}},
      {{"The contact form on the {page} doesn't send anything, can you check ASAP?",
        "The site looks broken on iPhone, the menu overlaps the logo.",
        "We're getting 500 errors on checkout since this morning."},
       {"Thanks for reporting! We've reproduced the issue and a fix is going out today.",
        "Fixed and deployed, could you please double-check on your side?",
        "Could you send a screenshot and the browser version? We can't reproduce it yet."}},
      {{"Attaching the new product photos and texts for the {page}.",
        "Here's our updated brand book, please use the new colours.",
        "Texts for the {page} will be ready by {date}."},
       {"Got the materials, thanks! We'll put them into the layout today.",
        "We still need the texts and photos for the {page} to continue.",
        "Could you send the logo in SVG? The PNG is too small."}},
      {{"Thanks!", "Ok, got it.", "Can we have a quick call tomorrow at {time}?",
        "Hi, who is our account manager now?"},
       {"You're welcome! Let us know if anything else comes up.", "Sure, I've sent you a calendar invite for {time}.",
        "Noted, I'll get back to you by the end of the day."}},
  }};
  return lines;
}

const std::array<TopicLines, kTopicCount>& russian() {
  static const std::array<TopicLines, kTopicCount> lines = {{
      {{"Добрый день! Посмотрели макеты, всё нравится, согласовываем. Можно запускать в разработку.",
        "Пришлите, пожалуйста, финальную версию ({page}) на согласование, директору нужно подтвердить до {date}.",
        "Апрув с нашей стороны есть, двигаемся дальше.",
        "Пока ждём подтверждения от маркетинга, вернёмся завтра.",
        "Перед тем как согласовать: можно чуть увеличить заголовок на первом экране?"},
       {"Добрый день! Дизайн готов, ссылка на Figma во вложении. Согласуйте, пожалуйста, чтобы мы начали вёрстку.",
        "Напоминаю: нужен ваш апрув по макетам до {date}, иначе сдвинутся сроки.",
        "Спасибо за подтверждение! Сегодня передаём в разработку.",
        "Подтвердите, пожалуйста, согласование здесь в чате, и мы ставим релиз."}},
      {{"И ещё: можно добавить {feature}? Понимаю, что в ТЗ этого не было.",
        "Хотим полностью переделать оформление заказа, новые требования приложили.",
        "Сделайте, пожалуйста, дополнительно {feature}, отделу продаж очень нужно к {date}.",
        "Можно ли добавить английскую версию сайта?"},
       {"Это доработка вне скоупа текущего договора. Оценим в {hours} ч и пришлём смету.",
        "Готовы сделать! Так как это вне скоупа, оформим отдельный change request: {hours} ч, {amount}.",
        "Завели доработку как CR-{n}, согласуйте, пожалуйста, оценку перед стартом."}},
      {{"Какой статус? Нам очень нужно запуститься до {date}.",
        "У нас перенёсся запуск на {date}, успеете?",
        "Успеваем к релизу в пятницу?",
        "Есть новости? Несколько дней от вас ничего не слышно."},
       {"Идём по плану: выложим на стейджинг до {date}.",
        "Предупреждаем: срок сдвигается на {date}, так как ещё ждём контент.",
        "Релиз планируем на {date}, сейчас идёт тестирование."}},
      {{"Пришлите ещё раз счёт №{invoice}, бухгалтерия не может найти.",
        "Счёт №{invoice} оплатили вчера, подтвердите, пожалуйста, получение.",
        "Можно разбить счёт на два платежа?"},
       {"Во вложении счёт №{invoice} на {amount}, оплата в течение 14 дней.",
        "Спасибо, оплату по счёту №{invoice} получили!",
        "Напоминаем: счёт №{invoice} на {amount} просрочен с {date}."}},
      {{"Форма заявки не отправляется, посмотрите срочно, пожалуйста.",
        "На айфоне сайт поехал: меню наезжает на логотип.",
        "С утра на оформлении заказа 500-я ошибка."},
       {"Спасибо, воспроизвели, исправление выкатим сегодня.",
        "Исправили и выложили, проверьте, пожалуйста, у себя.",
        "Пришлите скриншот и версию браузера, пока не получается воспроизвести."}},
      {{"Прикладываю новые фото товаров и тексты ({page}).",
        "Вот обновлённый брендбук, используйте, пожалуйста, новые цвета.",
        "Тексты будут готовы к {date}."},
       {"Материалы получили, спасибо! Сегодня добавим в вёрстку.",
        "Чтобы продолжить, нам всё ещё нужны тексты и фото ({page}).",
        "Пришлите логотип в SVG, PNG слишком маленький."}},
      {{"Спасибо!", "Ок, принято.", "Можем завтра созвониться в {time}?",
        "Подскажите, кто сейчас наш аккаунт-менеджер?"},
       {"Пожалуйста! Если что-то ещё понадобится, пишите.", "Отправил приглашение в календарь на {time}.",
        "Принято, вернусь с ответом до конца дня."}},
  }};
  return lines;
}

const Lines kPagesEn = {"landing page", "pricing page", "home page", "product card", "checkout", "blog",
                        "About us page"};
const Lines kPagesRu = {"лендинг", "страница тарифов", "главная страница", "карточка товара", "корзина", "блог",
                        "страница «О нас»"};
const Lines kFeaturesEn = {"chat widget", "newsletter form", "price calculator", "reviews block", "map with offices"};
const Lines kFeaturesRu = {"онлайн-чат", "форму подписки", "калькулятор стоимости", "блок отзывов", "карту офисов"};
const Lines kMonthsEn = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

std::string with_thousands(int64_t v, const char* sep) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += sep;
    out.push_back(digits[i]);
  }
  return out;
}

std::string fill(std::string line, Rng& rng, Lang lang) {
  bool ru = lang == Lang::ru;
  if (line.find("{page}") != std::string::npos) replace_all(line, "{page}", rng.pick(ru ? kPagesRu : kPagesEn));
  if (line.find("{feature}") != std::string::npos)
    replace_all(line, "{feature}", rng.pick(ru ? kFeaturesRu : kFeaturesEn));
  if (line.find("{date}") != std::string::npos) {
    int day = static_cast<int>(rng.range(1, 28)), month = static_cast<int>(rng.range(1, 12));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d.%02d", day, month);
    replace_all(line, "{date}", ru ? std::string(buf) : kMonthsEn[month - 1] + " " + std::to_string(day));
  }
  if (line.find("{amount}") != std::string::npos)
    replace_all(line, "{amount}",
                ru ? with_thousands(rng.range(6, 90) * 5000, "\u00a0") + " ₽" : "$" + with_thousands(rng.range(10, 180) * 50, ","));
  if (line.find("{invoice}") != std::string::npos) replace_all(line, "{invoice}", std::to_string(rng.range(1001, 1299)));
  if (line.find("{hours}") != std::string::npos) replace_all(line, "{hours}", std::to_string(rng.range(4, 40)));
  if (line.find("{n}") != std::string::npos) replace_all(line, "{n}", std::to_string(rng.range(10, 99)));
  if (line.find("{time}") != std::string::npos) replace_all(line, "{time}", std::to_string(rng.range(10, 17)) + ":" + (rng.chance(0.5) ? "00" : "30"));
  return line;
}

}  // namespace

std::string chat_line(Rng& rng, Lang lang, Topic topic, bool from_client) {
  const auto& lines = (lang == Lang::ru ? russian() : english())[static_cast<size_t>(topic)];
  return fill(rng.pick(from_client ? lines.client : lines.agent), rng, lang);
}

std::string private_note(Rng& rng, Lang lang) {
  static const Lines en = {
      "Internal: the client asks for extra work again. This is out of scope, we need a CR before we start.",
      "Internal: invoice #{invoice} is still unpaid, escalate to the account manager.",
      "Note: the client is unhappy about the deadline, let's prioritise the {page}.",
      "Internal: check with design before promising {date}.",
      "Note: approval received by phone, waiting for a written confirmation."};
  static const Lines ru = {
      "Внутренняя заметка: клиент снова просит доработку вне скоупа, нужен change request.",
      "Заметка: счёт №{invoice} не оплачен, подключить аккаунт-менеджера.",
      "Клиент недоволен сроками, приоритизируем ({page}).",
      "Не обещать {date}, пока не согласуем с дизайнером.",
      "Апрув получили по телефону, ждём подтверждения в чате."};
  return fill(rng.pick(lang == Lang::ru ? ru : en), rng, lang);
}

const std::vector<PersonName>& person_names() {
  static const std::vector<PersonName> names = {
      {"Анна Смирнова", "anna.smirnova", Lang::ru},     {"Ann Client", "ann", Lang::en},
      {"Дмитрий Волков", "d.volkov", Lang::ru},         {"Michael Brown", "michael.brown", Lang::en},
      {"Екатерина Орлова", "ekaterina.orlova", Lang::ru}, {"Sarah Johnson", "sarah.j", Lang::en},
      {"Сергей Кузнецов", "s.kuznetsov", Lang::ru},      {"David Miller", "david", Lang::en},
      {"Ольга Попова", "olga.popova", Lang::ru},         {"Emily Davis", "emily.davis", Lang::en},
      {"Игорь Лебедев", "igor.lebedev", Lang::ru},       {"James Wilson", "jwilson", Lang::en},
      {"Наталья Козлова", "n.kozlova", Lang::ru},        {"Laura Martinez", "laura.m", Lang::en},
      {"Павел Новиков", "pavel.novikov", Lang::ru},      {"Tom Anderson", "tom.anderson", Lang::en},
      {"Мария Соколова", "maria.sokolova", Lang::ru},    {"Chris Taylor", "chris", Lang::en},
      {"Алексей Морозов", "a.morozov", Lang::ru},        {"Rachel Green", "rachel.green", Lang::en},
  };
  return names;
}

const std::vector<FileSample>& attachment_files() {
  static const std::vector<FileSample> files = {
      {"mockup-v2.png", "image"},   {"screenshot.png", "image"}, {"photo-hero.jpg", "image"},
      {"brandbook.pdf", "file"},    {"invoice.pdf", "file"},     {"texts.docx", "file"},
      {"requirements.pdf", "file"}, {"product-photos.zip", "file"},
  };
  return files;
}

const std::vector<CompanyName>& company_names() {
  static const std::vector<CompanyName> names = {
      {"Acme", "acme.test"},
      {"Beta LLC", "beta-llc.test"},
      {"Northwind Traders", "northwind-traders.test"},
      {"ООО «Ромашка»", "romashka.test"},
      {"Globex", "globex.test"},
      {"Initech", "initech.test"},
      {"Umbrella Foods", "umbrella-foods.test"},
      {"Вектор Девелопмент", "vector-dev.test"},
      {"Сфера Медиа", "sfera-media.test"},
      {"Pied Piper", "piedpiper.test"},
      {"Hooli", "hooli.test"},
      {"Vandelay Industries", "vandelay.test"},
      {"Тандем Строй", "tandem-stroy.test"},
      {"Oceanic Air", "oceanic-air.test"},
      {"Массив Групп", "massiv-group.test"},
      {"Wayne Retail", "wayne-retail.test"},
      {"Soylent", "soylent.test"},
      {"Гранит Логистик", "granit-logistic.test"},
      {"Cyberdyne", "cyberdyne.test"},
      {"Stark Logistics", "stark-logistics.test"},
  };
  return names;
}

std::string issue_title(Rng& rng) {
  static const Lines en_verbs = {"Implement", "Fix", "Design", "Refactor", "Review", "Update", "Add analytics to",
                                 "Optimise"};
  static const Lines en_objects = {"hero block", "pricing table", "checkout form", "contact form", "blog listing",
                                   "mobile menu", "footer", "case study page", "CRM webhook", "image lazy loading",
                                   "cookie banner", "search page"};
  static const Lines ru_verbs = {"Сверстать", "Исправить", "Отрисовать", "Доработать", "Проверить", "Обновить"};
  static const Lines ru_objects = {"hero-блок", "таблицу тарифов", "форму заявки", "каталог", "мобильное меню",
                                   "страницу кейса", "интеграцию с CRM", "события аналитики", "подвал сайта",
                                   "фильтры каталога"};
  if (rng.chance(0.5)) return rng.pick(en_verbs) + " " + rng.pick(en_objects);
  return rng.pick(ru_verbs) + " " + rng.pick(ru_objects);
}

const std::vector<std::string>& project_names() {
  static const Lines names = {"Website redesign", "Landing pages Q1", "Mobile app MVP", "CRM integration",
                              "Редизайн каталога", "SEO audit", "Brand refresh"};
  return names;
}

const std::vector<std::string>& issue_labels() {
  static const Lines labels = {"frontend", "backend", "design", "bug", "client-request", "scope-change", "content",
                               "qa"};
  return labels;
}

const std::vector<std::string>& deal_kinds() {
  static const Lines kinds = {"Website redesign", "SEO retainer", "Mobile app", "Support contract", "Landing pages",
                              "Брендинг", "Интернет-магазин"};
  return kinds;
}

const std::vector<std::string>& job_titles() {
  static const Lines titles = {"CEO", "Marketing Director", "Head of Product", "Project Manager", "Бухгалтер",
                               "Руководитель отдела продаж", "CTO"};
  return titles;
}

const std::vector<std::string>& next_steps() {
  static const Lines steps = {"Send proposal", "Schedule a demo call", "Follow up on the estimate",
                              "Отправить КП", "Согласовать договор", "Wait for the budget decision"};
  return steps;
}

std::string activity_note(Rng& rng, const std::string& type) {
  static const Lines notes = {"Client wants the launch before the holidays.", "Обсудили объём работ, ждут смету.",
                              "Decision maker is the CEO, not marketing.", "Клиент просит скидку за объём."};
  static const Lines calls = {"Intro call, 30 min: discussed the redesign scope.",
                              "Созвон по статусу проекта, клиент доволен.", "Call about the overdue invoice."};
  if (type == "invoice_sent") return "Invoice #" + std::to_string(rng.range(1001, 1299)) + " sent";
  if (type == "invoice_paid") return "Invoice #" + std::to_string(rng.range(1001, 1299)) + " paid";
  if (type == "call") return rng.pick(calls);
  return rng.pick(notes);
}

}  // namespace labctl::sandbox
