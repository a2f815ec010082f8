from backend.core.masking import mask_id_number, mask_name, mask_phone


def test_phone_is_masked_in_the_middle():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("138-1234-1234") == "138****1234"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "***45"


def test_names_keep_first_and_last_character():
    assert mask_name("张三") == "张*"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("林") == "林"


def test_id_numbers_keep_only_a_few_characters():
    assert mask_id_number("370202195001011234") == "370*************34"
