

def test_one_of_a_plural_currency_agrees_and_singular_wares_in_s_take_an_article():
    from gameai.dialogue.grounding import money, with_article
    assert [money(1, "pennies"), money(1, "crowns"), money(1, "gold"), money(3, "pennies")] == \
        ["1 penny", "1 crown", "1 gold", "3 pennies"]
    assert [with_article(n) for n in ("mooring pass", "reading lens", "pair of boots", "nails", "brass compass")] == \
        ["a mooring pass", "a reading lens", "a pair of boots", "nails", "a brass compass"]
