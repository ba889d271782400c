"""URL canonicalisation, one rule per test, on the URL shapes seen in the sources research."""
import pytest

from crawler.canonical import canonical_url, url_key


def test_joomla_print_view_is_the_article():
    # MD Ille-et-Vilaine serves every article again as a print view.
    print_view = ("https://mediatheque.ille-et-vilaine.fr/s-informer/boite-a-outils/informatisation/"
                  "1089-rgpd?tmpl=component&print=1&layout=default&page=")
    assert canonical_url(print_view) == (
        "https://mediatheque.ille-et-vilaine.fr/s-informer/boite-a-outils/informatisation/1089-rgpd"
    )


def test_print_view_parameters_in_another_order():
    # MD Meurthe-et-Moselle's print view lists the same parameters in another order.
    url = ("https://mediatheque.meurthe-et-moselle.fr/toute-l-actu/2875-regards-croises-sur-notre-partenariat"
           "?layout=default&print=1&tmpl=component")
    assert canonical_url(url).endswith("/2875-regards-croises-sur-notre-partenariat")


@pytest.mark.parametrize("kept", ["page=2", "layout=blog", "print=0", "tmpl=index"])
def test_print_view_rules_match_values_not_only_names(kept):
    assert canonical_url(f"https://mediatheque.vosges.fr/actualites?{kept}").endswith(f"?{kept}")


@pytest.mark.parametrize("tracking", ["utm_source=newsletter&utm_medium=email", "fbclid=IwAR0abc",
                                      "gclid=Cj0KCQ", "xtor=RSS-1", "UTM_Campaign=x"])
def test_tracking_parameters_are_dropped(tracking):
    url = f"https://www.bib92.org/ressources/formations-et-journees?{tracking}"
    assert canonical_url(url) == "https://www.bib92.org/ressources/formations-et-journees"


def test_remaining_parameters_are_sorted():
    assert canonical_url("https://abf.asso.fr/a?p2=1&p=5&p3=0") == "https://abf.asso.fr/a?p=5&p2=1&p3=0"


def test_fragment_is_dropped():
    assert canonical_url("https://abffranchecomte.fr/2025/04/24/retour#inscription") == (
        "https://abffranchecomte.fr/2025/04/24/retour"
    )


def test_trailing_slash_is_kept_for_fetching_but_not_for_identity():
    # robots.txt matches the slash: `Disallow: /espace-adherent/` must still cover the link we fetch.
    url = "http://monchermedia.com/stage-de-formation-de-base-mai-juin-2010/"
    assert canonical_url(url) == url
    assert url_key(url) == url_key(url.rstrip("/")) == "monchermedia.com/stage-de-formation-de-base-mai-juin-2010"
    assert canonical_url("https://abffranchecomte.fr") == "https://abffranchecomte.fr/"
    assert url_key("https://abffranchecomte.fr/") == "abffranchecomte.fr/"


def test_trailing_dot_host_is_the_same_host():
    # Stored copies of Issuu pages carry the fully qualified `issuu.com.`.
    assert canonical_url("https://issuu.com./b.d.s/docs/chronique38") == "https://issuu.com/b.d.s/docs/chronique38"


def test_scheme_and_host_are_lowercased_path_is_not():
    assert canonical_url("HTTP://WWW.ABF.ASSO.FR/2/198/934/ABF/67e-congres") == (
        "http://www.abf.asso.fr/2/198/934/ABF/67e-congres"
    )


def test_default_ports_are_dropped_other_ports_kept():
    assert canonical_url("https://pro.bpi.fr:443/agenda") == "https://pro.bpi.fr/agenda"
    assert canonical_url("http://pro.bpi.fr:80/agenda") == "http://pro.bpi.fr/agenda"
    assert canonical_url("http://127.0.0.1:8765/agenda") == "http://127.0.0.1:8765/agenda"


def test_scheme_and_www_are_kept_because_the_address_must_stay_fetchable():
    assert canonical_url("http://www.abf.asso.fr/17/717/2379/ABF-Region/ca-du-22-octobre-2018").startswith(
        "http://www."
    )


@pytest.mark.parametrize("url", [
    "https://md-mediations.puy-de-dome.fr/taxonomy/term/48?page=1",
    "https://mediatheque.vosges.fr/mediatheques/actualites?start=4",
    "http://abf.asso.fr/18/601/84/ABF-Region/bulletin-2004?p=5&p2=1&p3=0",
    "https://abffranchecomte.fr/author/abffcbiblio/page/4",
])
def test_pagination_is_kept_a_page_2_is_another_page(url):
    assert canonical_url(url) == url


def test_abf_slug_starting_with_a_dash_is_untouched():
    url = ("https://www.abf.asso.fr/12/416/2328/ABF-Region/"
           "-la-reunion-le-la-retour-sur-le-64eme-congres-abf-a-la-rochelle-du-7-au-9-juin-2018")
    assert canonical_url(url) == url


def test_abf_slug_ending_with_a_dash_is_untouched():
    url = "http://www.abf.asso.fr/24/670/115/ABF-Region/vie-du-groupe-archives-avant-2007-?p=5&p2=0"
    assert canonical_url(url) == url


def test_percent_encoding_is_normalised():
    assert canonical_url("https://lepetitvendomois.fr/ceremonie-pour-la-18%e1%b5%89-promotion") == (
        "https://lepetitvendomois.fr/ceremonie-pour-la-18%E1%B5%89-promotion"
    )


def test_canonical_url_is_idempotent():
    url = "HTTP://WWW.abf.asso.fr./18/601/75/ABF-Region/bulletin-juillet-2007/?p3=0&p=5&p2=1&utm_source=x#top"
    assert canonical_url(canonical_url(url)) == canonical_url(url)


@pytest.mark.parametrize("variant", [
    "http://www.abf.asso.fr/12/416/2328/ABF-Region/-la-reunion",
    "https://www.abf.asso.fr/12/416/2328/ABF-Region/-la-reunion",
    "http://abf.asso.fr/12/416/2328/ABF-Region/-la-reunion/",
    "https://ABF.asso.fr/12/416/2328/ABF-Region/-la-reunion#haut",
])
def test_url_key_forgets_scheme_and_www(variant):
    # abf.asso.fr serves one article on all four spellings.
    assert url_key(variant) == "abf.asso.fr/12/416/2328/ABF-Region/-la-reunion"


def test_url_key_keeps_pagination_by_default():
    assert url_key("http://www.abf.asso.fr/18/601/75/ABF-Region/bulletin-juillet-2007?p=5&p2=1&p3=0") == (
        "abf.asso.fr/18/601/75/ABF-Region/bulletin-juillet-2007?p=5&p2=1&p3=0"
    )


@pytest.mark.parametrize("url, first_page", [
    ("http://www.abf.asso.fr/18/601/75/ABF-Region/bulletin-juillet-2007?p=5&p2=1&p3=0",
     "abf.asso.fr/18/601/75/ABF-Region/bulletin-juillet-2007"),
    ("https://mediatheque.vosges.fr/mediatheques/actualites?start=4", "mediatheque.vosges.fr/mediatheques/actualites"),
    ("https://md-mediations.puy-de-dome.fr/taxonomy/term/48?page=1", "md-mediations.puy-de-dome.fr/taxonomy/term/48"),
    ("https://abffranchecomte.fr/author/abffcbiblio/page/4/", "abffranchecomte.fr/author/abffcbiblio"),
    ("https://example.fr/agenda?page=3&theme=rgpd", "example.fr/agenda?theme=rgpd"),
])
def test_url_key_can_drop_pagination(url, first_page):
    assert url_key(url, drop_pagination=True) == first_page


def test_wordpress_post_id_is_not_pagination():
    # lab-en-bib.abf.asso.fr/?p=434 is a post: only ABF's `p` (always with `p2`) paginates.
    assert url_key("https://lab-en-bib.abf.asso.fr/?p=434", drop_pagination=True) == "lab-en-bib.abf.asso.fr/?p=434"
